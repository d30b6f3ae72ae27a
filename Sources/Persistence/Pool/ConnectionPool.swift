import Foundation
import NIOPosix

/// A bounded set of libpq connections. `acquire` waits (up to a timeout) when all are busy, and
/// waiters are served in the order they came; broken connections are dropped and their slot
/// reopened on demand. One sweeper task expires the waiters whose time is up.
public actor ConnectionPool {
    /// Counts for `/metrics` and diagnostics.
    public struct Stats: Sendable, Equatable {
        public var open: Int
        public var idle: Int
        public var waiting: Int
        public var capacity: Int
    }

    private struct Waiter {
        let continuation: CheckedContinuation<Connection?, any Error>
        let deadline: ContinuousClock.Instant
    }

    private let url: String
    private let capacity: Int
    private let acquireTimeout: Duration
    private let threads: NIOThreadPool
    private var idle: [Connection] = []
    private var open = 0
    private var waiters: [Waiter] = []
    private var sweeping = false

    private let statements: StatementPolicy

    init(url: String, capacity: Int, acquireTimeout: Duration, threads: NIOThreadPool, statements: StatementPolicy) {
        self.statements = statements
        self.url = url
        self.capacity = capacity
        self.acquireTimeout = acquireTimeout
        self.threads = threads
    }

    public var stats: Stats { Stats(open: open, idle: idle.count, waiting: waiters.count, capacity: capacity) }

    func acquire() async throws -> Connection {
        if let connection = idle.popLast() { return connection }
        if open < capacity {
            open += 1
            return try await connect()
        }
        let deadline = ContinuousClock.now + acquireTimeout
        let handed: Connection? = try await withCheckedThrowingContinuation { continuation in
            waiters.append(Waiter(continuation: continuation, deadline: deadline))
            if !sweeping {
                sweeping = true
                Task { await self.sweep() }
            }
        }
        if let handed { return handed }
        return try await connect()
    }

    /// Returns a connection; a broken one frees its slot instead.
    func release(_ connection: Connection, broken: Bool) {
        if broken {
            if !waiters.isEmpty {
                serveNext(with: nil)
            } else {
                open -= 1
            }
            return
        }
        if !waiters.isEmpty {
            serveNext(with: connection)
        } else {
            idle.append(connection)
        }
    }

    /// Closes idle connections (used on shutdown and after a server restart).
    public func drain() {
        open -= idle.count
        idle.removeAll()
    }

    private func serveNext(with connection: Connection?) {
        waiters.removeFirst().continuation.resume(returning: connection)
    }

    /// Sleeps until the oldest waiter's deadline and fails the waiters whose time is up, while
    /// anyone waits. Waiters queue in deadline order, so the first one is always the next due.
    private func sweep() async {
        while let due = waiters.first?.deadline {
            if due > .now {
                try? await Task.sleep(until: due, clock: .continuous)
                continue
            }
            waiters.removeFirst().continuation.resume(
                throwing: DatabaseError(
                    kind: .poolTimeout, message: "no database connection became free within \(acquireTimeout)"))
        }
        sweeping = false
    }

    /// Opens a connection for a slot already counted in `open`.
    private func connect() async throws -> Connection {
        let (url, statements) = (self.url, self.statements)
        do {
            return try await threads.runIfActive { try Connection(url: url, statements: statements) }
        } catch {
            release(slotOf: error)
            throw error
        }
    }

    private func release(slotOf _: any Error) {
        if !waiters.isEmpty {
            serveNext(with: nil)
        } else {
            open -= 1
        }
    }
}
