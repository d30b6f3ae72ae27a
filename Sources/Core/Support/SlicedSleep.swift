extension Task where Success == Never, Failure == Never {
    /// Sleeps for `duration`, or until the task is cancelled (`CancellationError`), in sleeps of at
    /// most `slice`. A cancelled `Task.sleep` holds its timer until the deadline it was given
    /// (swiftlang/swift#60441), so a long timeout that is nearly always cancelled early — a step's
    /// — would hold memory for its whole length; sliced, a cancelled one holds it for one slice.
    public static func sleep(for duration: Duration, slicedBy slice: Duration) async throws {
        let deadline = ContinuousClock.now + duration
        while true {
            try Task.checkCancellation()
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return }
            try await Task.sleep(for: min(left, slice))
        }
    }
}
