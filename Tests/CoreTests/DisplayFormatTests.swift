import Core
import Testing

/// Numbers in the words a marketer uses.
@Suite struct DisplayFormatTests {
    @Test func moneyHasSeparatorsAndCentsAndNeverShowsASmallCostAsFree() {
        #expect(DisplayFormat.money(1234.5) == "$1,234.50")
        #expect(DisplayFormat.money(50) == "$50.00")
        #expect(DisplayFormat.money(0) == "$0.00")
        #expect(DisplayFormat.money(0.0012) == "<$0.01")
        #expect(DisplayFormat.money(-3.456) == "-$3.46")
    }

    @Test func sharesCountsScoresAndDurationsReadAsPeopleSayThem() {
        #expect(DisplayFormat.percent(0.1049) == "10.5%")
        #expect(DisplayFormat.percent(0.25) == "25%")
        #expect(DisplayFormat.count(1_937_929) == "1.94M")
        #expect(DisplayFormat.count(542_477) == "542.5K")
        #expect(DisplayFormat.count(9870) == "9,870")
        #expect(DisplayFormat.score(81.4) == "81/100")
        #expect(DisplayFormat.duration(milliseconds: 850) == "850 ms")
        #expect(DisplayFormat.duration(milliseconds: 3240) == "3.2 s")
        #expect(DisplayFormat.duration(milliseconds: 245_000) == "4 min 05 s")
    }
}
