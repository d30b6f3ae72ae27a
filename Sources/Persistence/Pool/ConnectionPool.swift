import Foundation
import NIOPosix

/// A bounded set of libpq connections. `acquire` waits (up to a timeout) when all are busy;
/// broken connections are dropped and their slot reopened on demand.
public actor ConnectionPool {
    /// Counts for `/metrics` and diagnostics.
    public struct Stats: Sendable, Equatable {
        public var open: Int
        public var idle: Int
        public var waiting: Int
        public var capacity: Int
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Connection?, any Error>
        let timer: Task<Void, Never>
    }

    private let url: String
    private let capacity: Int
    private let acquireTimeout: Duration
    private let threads: NIOThreadPool
    private var idle: [Connection] = []
    private var open = 0
    private var waiters: [Waiter] = []
    private var nextWaiterID: UInt64 = 0

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
        nextWaiterID += 1
        let id = nextWaiterID
        let timeout = acquireTimeout
        let handed: Connection? = try await withCheckedThrowingContinuation { continuation in
            let timer = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.expire(id)
            }
            waiters.append(Waiter(id: id, continuation: continuation, timer: timer))
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
        let waiter = waiters.removeFirst()
        waiter.timer.cancel()
        waiter.continuation.resume(returning: connection)
    }

    private func expire(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        waiter.continuation.resume(
            throwing: DatabaseError(
                kind: .poolTimeout, message: "no database connection became free within \(acquireTimeout)"))
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
