import Core
import Testing

/// The line diff a replay mismatch and an evaluation show.
@Suite struct TextDiffTests {
    @Test func equalTextsHaveNoDiff() {
        #expect(TextDiff.lines("a\nb", "a\nb") == "")
    }

    @Test func aChangedLineReadsAsRemovedThenAddedInReadingOrder() {
        let diff = TextDiff.lines("title\nold first\nsame\nold last", "title\nnew first\nsame\nnew last")
        #expect(diff == "- 2: old first\n+ 2: new first\n- 4: old last\n+ 4: new last")
    }

    @Test func aLongDiffIsCutAtTheLimitSayingHowMuchIsLeft() {
        let old = (1...30).map { "line \($0)" }.joined(separator: "\n")
        let diff = TextDiff.lines(old, "", limit: 3)
        #expect(diff.split(separator: "\n").count == 4 && diff.hasSuffix("… 28 more changed lines"), "\(diff)")
    }
}
