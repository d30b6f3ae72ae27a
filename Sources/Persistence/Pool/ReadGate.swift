import Foundation

/// Lets at most `limit` single-statement reads (`Database.read(in:_:)`) use the pool at once;
/// the rest wait their turn here, in the order they came.
///
/// A dashboard's reads arrive in bursts of many at a time. Admitted all at once, each gets a
/// backend, and Postgres's backends then share the cores in time slices, so the slowest read
/// waits for many others' slices. A few at a time finish in turn, and the rest of the pool stays
/// free for the engine's transitions.
public final class ReadGate: @unchecked Sendable {
    public let limit: Int
    private let lock = NSLock()
    private var admitted = 0
    private var waiting = FIFO<CheckedContinuation<Void, Never>>()

    public init(limit: Int) { self.limit = max(1, limit) }

    /// Returns once the read may go ahead; `leave()` must follow it.
    public func enter() async {
        let admittedNow = lock.withLock {
            guard admitted < limit else { return false }
            admitted += 1
            return true
        }
        if admittedNow { return }
        await withCheckedContinuation { continuation in
            let admittedMeanwhile = lock.withLock {
                guard admitted < limit else {
                    waiting.append(continuation)
                    return false
                }
                admitted += 1
                return true
            }
            if admittedMeanwhile { continuation.resume() }
        }
    }

    /// Hands the place to the longest-waiting read, if any.
    public func leave() {
        let next: CheckedContinuation<Void, Never>? = lock.withLock {
            guard let next = waiting.popFirst() else {
                admitted -= 1
                return nil
            }
            return next
        }
        next?.resume()
    }

    /// Reads admitted and reads waiting.
    public var state: (admitted: Int, waiting: Int) { lock.withLock { (admitted, waiting.count) } }
}
