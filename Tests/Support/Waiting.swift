import Foundation

/// A condition a test waited for that never held.
public struct NeverHappened: Error, CustomStringConvertible {
    public let what: String
    public var description: String { "never happened: \(what)" }
}

/// Waits until `condition` holds, checking every `every`; throws `NeverHappened` after `within`,
/// so a missed signal fails the test instead of hanging it.
public func eventually(
    _ what: String, within: Duration = .seconds(30), every: Duration = .milliseconds(10), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + within
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw NeverHappened(what: what) }
        try await Task.sleep(for: every)
    }
}

/// A one-way signal. `wait` is for code already on a blocking thread (a pooled connection's
/// closure) and returns once `open` was called, or false after `seconds`; async code polls
/// `isOpen` with `eventually` and never blocks a cooperative thread.
public final class Latch: @unchecked Sendable {
    private let condition = NSCondition()
    private var opened = false

    public init() {}

    public func open() {
        condition.lock()
        opened = true
        condition.broadcast()
        condition.unlock()
    }

    public var isOpen: Bool {
        condition.lock()
        defer { condition.unlock() }
        return opened
    }

    @discardableResult
    public func wait(seconds: Double = 30) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !opened { if !condition.wait(until: deadline) { return opened } }
        return true
    }
}

/// A value shared between a test and the tasks or handlers it watches.
public final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    public init(_ value: Value) { stored = value }
    public var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
    /// Changes the value under the lock (a read-modify-write that concurrent callers cannot interleave).
    @discardableResult
    public func mutate<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&stored) } }
}
