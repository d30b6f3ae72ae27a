import Core
import Foundation
import Logging

/// The entry point to Postgres: pooled connections whose blocking libpq calls run on threads of
/// their own, never on an event loop or the cooperative pool.
///
/// Work is a synchronous closure over a `Connection`, executed on the connection's thread, so a
/// whole transaction costs one hop there and one back rather than one per statement.
public final class Database: Sendable {
    public let pool: ConnectionPool
    /// Units of work (transactions or single statements) completed through this pool.
    public let completedUnits = Counter()
    /// Answers waited for (a statement alone, or a pipelined batch, is one), for the benchmark.
    public let roundTrips = Counter()
    /// The round trips among them that prepared a statement on a connection (once per connection
    /// and statement): `roundTrips` less these is what a unit costs once its connection is warm.
    public let preparations = Counter()

    /// How the pool's connections send statements.
    public let statements: StatementPolicy

    /// Opens a pool of up to `poolSize` connections to `url` (nothing connects until first use).
    /// `statements` starts `prepared` or `unnamed`; `onFallback` hears, once, that a prepared pool
    /// switched to unnamed statements because the server (a transaction pool) lost one. At most
    /// `readConcurrency` of `read(in:_:)`'s reads use the pool at once.
    public init(
        url: String, poolSize: Int = Settings.defaultPoolSize, acquireTimeout: Duration = .seconds(10),
        statements: StatementMode = .prepared, readConcurrency: Int = Settings.defaultReadConcurrency,
        onFallback: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.statements = StatementPolicy(statements, onFallback: onFallback)
        pool = ConnectionPool(
            url: url, capacity: poolSize, acquireTimeout: acquireTimeout, statements: self.statements, readLimit: readConcurrency)
    }

    /// Stops the pool's threads and waits (up to 10 s) for the units they run to finish; call
    /// once on shutdown.
    public func shutdown() async {
        pool.stop()
        let deadline = ContinuousClock.now + .seconds(10)
        while !pool.stopped, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
    }

    /// Runs `body` on a pooled connection outside any transaction, on the connection's own thread.
    ///
    /// When the connection turns out to be broken before any statement of `body` reached the server
    /// (a restarted server, a terminated backend), the other connections are renewed too (they most
    /// likely share the fate) and the work is retried once on a fresh connection.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withConnection(read: false, body)
    }

    /// `withConnection(_:)`, as one of the pool's reads when `read` (at most `readConcurrency` at once).
    private func withConnection<T: Sendable>(read: Bool, _ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let (pool, roundTrips, preparations, completedUnits) = (self.pool, self.roundTrips, self.preparations, self.completedUnits)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            pool.submit(
                read: read,
                run: { connection, attempt in
                    let before = connection.completedStatements
                    let (tripsBefore, preparedBefore) = (connection.roundTrips, connection.preparations)
                    do {
                        let result = try body(connection)
                        roundTrips.add(connection.roundTrips - tripsBefore)
                        preparations.add(connection.preparations - preparedBefore)
                        _ = completedUnits.next()
                        return (.keep, { continuation.resume(returning: result) })
                    } catch let error as DatabaseError where error.kind == .connection {
                        pool.drain()
                        if attempt == 1, connection.completedStatements == before { return (.retryOnNewConnection, {}) }
                        return (.discard, { continuation.resume(throwing: error) })
                    } catch {
                        return (
                            connection.isBroken || connection.inTransaction ? .discard : .keep, { continuation.resume(throwing: error) }
                        )
                    }
                },
                fail: { continuation.resume(throwing: $0) })
        }
    }

    /// Runs `body` in a transaction whose row-level security is scoped to `workspace`:
    /// `app.workspace_id` is set locally, so the session sees and writes that workspace only.
    public func withWorkspace<T: Sendable>(_ workspace: WorkspaceID, _ body: @escaping @Sendable (Connection) throws -> T) async throws -> T
    {
        try await withConnection { connection in
            try Self.transaction(connection, scope: workspace.description, body)
        }
    }

    /// Runs one read-only statement scoped to `workspace` in a single round trip (see
    /// `Connection.runInWorkspace`); a prepared statement the server lost is sent once more unnamed.
    /// At most `readConcurrency` such reads run at once; the others wait their turn in the pool,
    /// in the order they came (`ConnectionPool`).
    public func read(in workspace: WorkspaceID, _ query: SQLQuery) async throws -> QueryResult {
        try await single(in: workspace, readOnly: true, read: true, query)
    }

    /// Like `read(in:_:)`, but not limited with the reads: for the engine's own reads (a
    /// provider's account, the workspace's connected accounts), which must not queue behind the
    /// dashboard's.
    public func fetch(in workspace: WorkspaceID, _ query: SQLQuery) async throws -> QueryResult {
        try await single(in: workspace, readOnly: true, query)
    }

    /// How many reads may use the pool at once.
    public var readConcurrency: Int { pool.readLimit }

    /// Runs one writing statement as its own transaction scoped to `workspace`, in a single round
    /// trip, like `read(in:_:)`.
    @discardableResult
    public func write(in workspace: WorkspaceID, _ query: SQLQuery) async throws -> QueryResult {
        try await single(in: workspace, readOnly: false, query)
    }

    private func single(in workspace: WorkspaceID, readOnly: Bool, read: Bool = false, _ query: SQLQuery) async throws -> QueryResult {
        let id = workspace.description
        return try await withConnection(read: read) { connection in
            do {
                return try connection.runInWorkspace(id, readOnly: readOnly, query)
            } catch let error as DatabaseError where StatementPolicy.isLostStatement(error) && connection.statements.mode == .unnamed {
                return try connection.runInWorkspace(id, readOnly: readOnly, query)
            }
        }
    }

    /// Runs `body` in a transaction with no workspace set: row-level security shows no tenant rows,
    /// so only `SECURITY DEFINER` functions can reach across workspaces. For the rare admin path.
    public func withUnscopedTransaction<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withConnection { connection in try Self.transaction(connection, scope: nil, body) }
    }

    /// Runs `body` in a transaction scoped to `scope` (a workspace id) or to none. `BEGIN` and the
    /// scope travel with the transaction's first statement, and `COMMIT` with its queued ones. A
    /// transaction that met a prepared statement the server had lost was rolled back whole, so it
    /// runs once more, now with unnamed statements.
    private static func transaction<T>(_ connection: Connection, scope: String?, _ body: (Connection) throws -> T) throws -> T {
        do {
            return try transactionOnce(connection, scope: scope, body)
        } catch let error as DatabaseError where StatementPolicy.isLostStatement(error) && connection.statements.mode == .unnamed {
            return try transactionOnce(connection, scope: scope, body)
        }
    }

    private static func transactionOnce<T>(_ connection: Connection, scope: String?, _ body: (Connection) throws -> T) throws -> T {
        connection.begin(scopedTo: scope)
        do {
            let result = try body(connection)
            try connection.execute("COMMIT")
            return result
        } catch {
            if !connection.isBroken { _ = try? connection.execute("ROLLBACK") }
            throw error
        }
    }
}

extension Database {
    /// Answers when the database does (one `SELECT 1`); throws otherwise.
    /// The id the next writing transaction will get: the difference between two readings counts
    /// the transactions that wrote (each waits for its WAL flush) in between; reads take none.
    public func nextTransactionID() async throws -> Int {
        try await withConnection { try $0.query("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS next").first!.int("next") }
    }

    public func ping() async throws {
        _ = try await withConnection { try $0.query("SELECT 1") }
    }

    /// Refuses a role that would make row-level security moot: the server must connect as a
    /// role that is neither superuser nor `BYPASSRLS` (the application role, `tiktok_app`).
    public func verifyApplicationRole() async throws {
        let (role, superuser, bypass) = try await withConnection { c in
            let row = try c.query("SELECT current_user AS role, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").first!
            return (try row.string("role"), row["rolsuper"] == "t", row["rolbypassrls"] == "t")
        }
        if let problem = Self.roleProblem(role: role, superuser: superuser, bypassesRLS: bypass) { throw AppError.invalidInput(problem) }
    }

    /// Why `role` must not serve requests, or `nil` when it may.
    static func roleProblem(role: String, superuser: Bool, bypassesRLS: Bool) -> String? {
        guard superuser || bypassesRLS else { return nil }
        let what = superuser ? "a superuser" : "a BYPASSRLS role"
        return
            "DATABASE_URL connects as \(role), \(what), which would ignore row-level security; connect as the application role (tiktok_app)"
    }
}
