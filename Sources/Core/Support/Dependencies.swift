import Foundation

/// The current time, injectable so tests control it.
public struct Clock: Sendable {
    public var now: @Sendable () -> Date
    public init(now: @escaping @Sendable () -> Date) { self.now = now }
    /// The system clock.
    public static let system = Clock { Date() }
    /// A clock stopped at `date`.
    public static func fixed(_ date: Date) -> Clock { Clock { date } }
}

/// A source of UUIDs, injectable so tests get predictable identifiers.
public struct UUIDSource: Sendable {
    public var next: @Sendable () -> UUID
    public init(next: @escaping @Sendable () -> UUID) { self.next = next }
    /// Random version-4 UUIDs.
    public static let random = UUIDSource { Crypto.randomUUID() }
    /// `00000000-0000-0000-0000-000000000001`, `...0002`, ... in order.
    public static func incrementing() -> UUIDSource {
        let counter = Counter()
        return UUIDSource {
            let n = counter.next()
            return UUID(uuidString: String(format: "00000000-0000-0000-0000-%012llx", n))!
        }
    }

    /// A typed identifier from this source.
    public func id<Entity>(_: Entity.Type = Entity.self) -> ID<Entity> { ID(next()) }
}

/// A thread-safe increasing counter.
public final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64 = 0
    public init() {}
    /// The last value handed out.
    public var current: UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    /// Adds `amount` (a tally rather than ids).
    public func add(_ amount: Int) {
        lock.lock()
        defer { lock.unlock() }
        value += UInt64(max(0, amount))
    }

    /// Returns 1, 2, 3, ...
    public func next() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

extension ContinuousClock.Instant {
    /// Whole milliseconds from this instant until now.
    public var millisecondsElapsed: Int {
        let elapsed = ContinuousClock.now - self
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
