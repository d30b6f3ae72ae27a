import Core
import Testing

@Suite struct SlicedSleepTests {
    @Test func aSlicedSleepLastsTheWholeDurationNotOneSlice() async throws {
        let started = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(60), slicedBy: .milliseconds(10))
        #expect(ContinuousClock.now - started >= .milliseconds(60))
    }

    @Test func aCancelledSlicedSleepThrowsCancellation() async {
        let sleeper = Task { try await Task.sleep(for: .seconds(3600), slicedBy: .seconds(1)) }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }
}
