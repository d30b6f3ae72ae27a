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

    @Test func aLongLineIsShownFromWhereItDiffers() {
        let prefix = String(repeating: "a", count: 300)
        let diff = TextDiff.lines(prefix + "[1, 2]" + prefix, prefix + "[2, 1]" + prefix)
        let lines = diff.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 && lines[0].hasPrefix("- 1: …") && lines[0].contains("[1, 2]") && lines[1].contains("[2, 1]"), "\(diff)")
    }
}
