import Foundation
import Testing

@testable import Orchestrator

@Suite struct EngineHealthTests {
    struct Refused: Error, CustomStringConvertible { var description: String { "[26000] prepared statement \"tta_2\" does not exist" } }

    @Test func failuresCountAsAStallOnlyOnceTheyOutlastTheThresholdWithoutASuccess() {
        let health = EngineHealth(threshold: 30)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        health.failed("claiming steps", Refused(), at: start)
        health.failed("claiming steps", Refused(), at: start.addingTimeInterval(20))
        #expect(health.stall(at: start.addingTimeInterval(29)) == nil, "younger than the threshold")
        let stall = health.stall(at: start.addingTimeInterval(42))
        #expect(stall?.since == start, "the clock runs from the first failure since a success")
        #expect(
            stall?.reason(at: start.addingTimeInterval(42))
                == "claiming steps has failed for 42 s: [26000] prepared statement \"tta_2\" does not exist")
        health.succeeded()
        #expect(health.stall(at: start.addingTimeInterval(100)) == nil)
        health.failed("recording a step outcome", Refused(), at: start.addingTimeInterval(100))
        #expect(health.stall(at: start.addingTimeInterval(129)) == nil, "a success restarted the clock")
        #expect(health.stall(at: start.addingTimeInterval(130))?.work == "recording a step outcome")
    }
}
