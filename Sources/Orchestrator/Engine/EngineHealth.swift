import Foundation

/// Whether the engine gets its database work done: since when claiming or recording steps has
/// failed without a success in between, and the last error. `/ready` and the overview read it,
/// so a process that runs nothing is drained instead of looking healthy.
public final class EngineHealth: @unchecked Sendable {
    /// The engine has failed for longer than allowed.
    public struct Stall: Sendable, Equatable {
        /// What kept failing: `claiming steps` or `recording a step outcome`.
        public var work: String
        public var since: Date
        public var error: String

        /// One sentence for `/ready` and the dashboard.
        public func reason(at now: Date) -> String {
            "\(work) has failed for \(Int(now.timeIntervalSince(since))) s: \(error)"
        }
    }

    private let lock = NSLock()
    private var failing: Stall?
    /// How long failures may last before the engine counts as stalled.
    public let threshold: TimeInterval

    public init(threshold: TimeInterval) { self.threshold = threshold }

    /// Records that `work` failed at `now`; the first failure since a success starts the clock.
    func failed(_ work: String, _ error: any Error, at now: Date = Date()) {
        lock.lock()
        defer { lock.unlock() }
        failing = Stall(work: work, since: failing?.since ?? now, error: "\(error)")
    }

    /// Records a success: the engine is healthy again.
    func succeeded() {
        lock.lock()
        defer { lock.unlock() }
        failing = nil
    }

    /// The stall at `now`, or `nil` while failures (if any) are younger than `threshold`.
    public func stall(at now: Date = Date()) -> Stall? {
        lock.lock()
        defer { lock.unlock() }
        guard let failing, now.timeIntervalSince(failing.since) >= threshold else { return nil }
        return failing
    }
}
