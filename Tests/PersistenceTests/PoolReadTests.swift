import Core
import Foundation
import Persistence
import TestSupport
import Testing

/// The pool's reads: at most `readConcurrency` at once, in the order they came, passed by the
/// other units.
@Suite struct PoolReadTests {
    /// A pool of four with one read place; `defer` shuts it down.
    static func database(acquireTimeout: Duration = TestDatabase.acquireTimeout) -> Database {
        Database(url: TestDatabase.cluster.appURL, poolSize: 4, acquireTimeout: acquireTimeout, readConcurrency: 1)
    }

    /// A workspace, and a read in it holding `database`'s one read place until `release` opens:
    /// the read waits for an advisory lock another connection holds until then.
    static func holdingTheReadPlace(of database: Database) async throws -> (
        WorkspaceID, Task<QueryResult, any Error>, release: Latch
    ) {
        let (workspace, _) = try await TestDatabase.workspace()
        let key = Int.random(in: 1...Int(Int32.max))
        let (locked, release) = (Latch(), Latch())
        Task {
            try await TestDatabase.database.withUnscopedTransaction { c in
                _ = try c.query("SELECT pg_advisory_xact_lock(\(key))")
                locked.open()
                release.wait(seconds: 120)
            }
        }
        try await eventually("the advisory lock is held") { locked.isOpen }
        let holding = Task { try await database.read(in: workspace, "SELECT pg_advisory_xact_lock_shared(\(key))") }
        try await eventually("the first read runs") { database.pool.readState.running == 1 }
        return (workspace, holding, release)
    }

    @Test func readsBeyondTheLimitWaitInThePoolAndGoInTheOrderTheyCame() async throws {
        let database = Self.database()
        defer { Task { await database.shutdown() } }
        let (workspace, holding, release) = try await Self.holdingTheReadPlace(of: database)
        defer { release.open() }
        let order = Order()
        var reads: [Task<Void, any Error>] = []
        for index in 0..<40 {
            reads.append(
                Task {
                    let row = try await database.read(in: workspace, "SELECT \(index)::int AS i").first!
                    order.append(try row.int("i"))
                })
            try await eventually("read \(index) waits") { database.pool.readState.waiting == index + 1 }
        }
        #expect(database.pool.readState.running == 1, "one place, taken by the first read")
        release.open()
        _ = try await holding.value
        for read in reads { try await read.value }
        #expect(order.values == Array(0..<40))
        #expect(database.pool.readState == (0, 0))
    }

    @Test func aTransactionPassesTheReadsThatWait() async throws {
        let database = Self.database()
        defer { Task { await database.shutdown() } }
        let (workspace, holding, release) = try await Self.holdingTheReadPlace(of: database)
        defer { release.open() }
        let waiting = (0..<3).map { _ in Task { try await database.read(in: workspace, "SELECT 1 AS one") } }
        try await eventually("three reads wait") { database.pool.readState.waiting == 3 }
        let passed = try await database.withWorkspace(workspace) { c in
            (try c.query("SELECT 2 AS two").first!.int("two"), database.pool.readState)
        }
        #expect(passed.0 == 2 && passed.1.waiting == 3, "the transaction ran while the reads still waited: \(passed.1)")
        release.open()
        _ = try await holding.value
        for read in waiting { #expect(try await read.value.first?.int("one") == 1) }
    }

    @Test func aReadThatWaitsLongerThanTheAcquireTimeoutFails() async throws {
        let database = Self.database(acquireTimeout: .milliseconds(200))
        defer { Task { await database.shutdown() } }
        let (workspace, holding, release) = try await Self.holdingTheReadPlace(of: database)
        defer { release.open() }
        let error = await #expect(throws: DatabaseError.self) { try await database.read(in: workspace, "SELECT 1") }
        #expect(error?.kind == .poolTimeout, "\(String(describing: error))")
        release.open()
        _ = try await holding.value
    }

    @Test func aDatabaseRunsNoMoreReadsAtOnceThanItsReadConcurrency() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let database = Self.database()
        defer { Task { await database.shutdown() } }
        let marker = "gate_" + UUID().uuidString.prefix(8).lowercased()
        // Each read sleeps, then counts the reads of this test running in Postgres, itself included.
        let query = SQLQuery(
            unescaped: """
                SELECT (SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%\(marker)%') AS running
                FROM pg_sleep(0.05)
                """)
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { try await database.read(in: workspace, query).first!.int("running") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts == [1, 1, 1, 1], "each read ran alone: \(counts)")
    }
}

private final class Order: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int] = []
    func append(_ value: Int) { lock.withLock { list.append(value) } }
    var values: [Int] { lock.withLock { list } }
}
