import Core
import Foundation
import Persistence
import TestSupport
import Testing

@Suite struct ConnectionTests {
    @Test func badSQLFailsWithItsSQLState() async throws {
        let syntax = await #expect(throws: DatabaseError.self) {
            try await TestDatabase.database.withConnection { try $0.query("SELEKT 1") }
        }
        #expect(syntax?.sqlState == "42601")
        #expect(syntax?.kind == .query)
        let missing = await #expect(throws: DatabaseError.self) {
            try await TestDatabase.database.withConnection { try $0.query("SELECT * FROM no_such_table") }
        }
        #expect(missing?.sqlState == "42P01")
    }

    @Test func anOptionalJSONColumnTellsSQLNullFromJSONNullAndFromAMissingColumn() async throws {
        let row = try await TestDatabase.database.withConnection {
            try $0.query("SELECT NULL::jsonb AS absent, 'null'::jsonb AS explicit, '{\"a\": 1}'::jsonb AS object").first!
        }
        #expect(try row.optionalJSON("absent") == nil)
        #expect(try row.optionalJSON("explicit") == .null)
        #expect(try row.optionalJSON("object") == ["a": 1])
        #expect(try row.optionalJSON("no_such_column") == nil)
    }

    @Test func anInjectionStringIsStoredLiterally() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let hostile = "@x'); DROP TABLE tiktok_briefs; --"
        let brief = try await TestDatabase.database.withWorkspace(workspace) { c in
            try BriefRepository.create(NewBrief(handle: hostile, notes: "$1 \\' \" ;"), workspace: workspace, on: c)
        }
        let read = try await TestDatabase.database.withWorkspace(workspace) { try BriefRepository.find(brief.id, on: $0) }
        #expect(read?.handle == hostile)
        #expect(read?.notes == "$1 \\' \" ;")
    }

    @Test func aFailedTransactionWritesNothing() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        await #expect(throws: DatabaseError.self) {
            try await TestDatabase.database.withWorkspace(workspace) { c in
                _ = try BriefRepository.create(NewBrief(handle: "@first"), workspace: workspace, on: c)
                try c.query("INSERT INTO tiktok_briefs (workspace_id, handle, target_type) VALUES (\(workspace), '@x', 'nonsense')")
            }
        }
        let page = try await TestDatabase.database.withWorkspace(workspace) { try BriefRepository.list(limit: 10, cursor: nil, on: $0) }
        #expect(page.items.isEmpty)
    }

    @Test func valuesRoundTripThroughTheirColumnTypes() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let inputs: JSONValue = ["budget": 120.5, "tags": ["a", "b"], "nested": ["ok": true, "none": nil]]
        let brief = try await TestDatabase.database.withWorkspace(workspace) { c in
            try BriefRepository.create(NewBrief(handle: "@émoji🎉", targetType: .competitor, inputs: inputs), workspace: workspace, on: c)
        }
        #expect(brief.handle == "@émoji🎉")
        #expect(brief.targetType == .competitor)
        #expect(brief.inputs == inputs)
        #expect(abs(brief.createdAt.timeIntervalSinceNow) < 300)
        let steps = try await TestDatabase.database.withWorkspace(workspace) { c in
            let run = try RunRepository.create(
                workspace: workspace, workflowId: nil, workflowSlug: "s", briefId: brief.id, input: [:], on: c)
            return try StepRepository.createAll(
                [
                    NewStep(stepKey: "a", kind: .agent, agentName: "trend_scout", dependsOn: []),
                    NewStep(stepKey: "b", kind: .synthesis, agentName: nil, dependsOn: ["a", "we\"ird, key"]),
                ],
                run: run.id, workspace: workspace, on: c)
        }
        #expect(steps.map(\.dependsOn) == [[], ["a", "we\"ird, key"]])
    }

    @Test func aRepeatedStatementIsPreparedOnceAndRunsByName() throws {
        let connection = try Connection(url: TestDatabase.cluster.appURL)
        func doubled(_ n: Int) -> SQLQuery { "SELECT \(n)::int * 2 AS doubled" }
        let answers = try (1...3).map { try connection.query(doubled($0)).first!.int("doubled") }
        #expect(answers == [2, 4, 6])
        #expect(doubled(1).sql == "SELECT $1::int * 2 AS doubled" && doubled(1).binds == [SQLValue(text: "1")])
        let prepared = try connection.query("SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = \(doubled(1).sql)").first!
            .int("n")
        #expect(prepared == 1, "one server-side statement for three calls")
        func failing(_ n: Int) -> SQLQuery { "SELECT 1 / \(n)::int AS q" }
        #expect(throws: DatabaseError.self) { try connection.query(failing(0)) }
        #expect(try connection.query(failing(1)).first!.int("q") == 1, "a statement that failed once still runs")
    }

    @Test func aPipelinedStatementWithoutParametersIsPreparedOnceToo() throws {
        let connection = try Connection(url: TestDatabase.cluster.appURL)
        let workspace = UUID().uuidString
        let listed: SQLQuery = "SELECT count(*) AS n FROM tiktok_workflow_runs"
        for _ in 1...3 { #expect(try connection.runInWorkspace(workspace, readOnly: true, listed).first!.int("n") == 0) }
        let prepared = try connection.query("SELECT statement FROM pg_prepared_statements").rows.map { try $0.string("statement") }
        #expect(prepared.filter { $0 == listed.sql }.count == 1, "one server-side statement for three pipelines: \(prepared)")
        #expect(prepared.contains("BEGIN READ ONLY") && prepared.contains("COMMIT"))
    }

    @Test func anOptionalBindsItsValueOrNull() throws {
        let connection = try Connection(url: TestDatabase.cluster.appURL)
        func described(_ value: String?) -> SQLQuery { "SELECT coalesce(\(value)::text, 'none') AS v" }
        #expect(described(nil).binds == [.null] && described("x").binds == [SQLValue(text: "x")])
        #expect(try [nil, "x"].map { try connection.query(described($0)).first!.string("v") } == ["none", "x"])
    }

    @Test func unnamedStatementsLeaveNothingPreparedOnTheServer() throws {
        let connection = try Connection(url: TestDatabase.cluster.appURL, statements: StatementPolicy(.unnamed))
        let answers = try (1...3).map { try connection.query("SELECT \($0)::int * 2 AS doubled").first!.int("doubled") }
        #expect(answers == [2, 4, 6])
        #expect(try connection.query("SELECT count(*) AS n FROM pg_prepared_statements").first!.int("n") == 0)
    }

    @Test func everyConnectionNamesItsStatementsApart() throws {
        let names = try (1...2).map { _ in
            let connection = try Connection(url: TestDatabase.cluster.appURL)
            try connection.query("SELECT \(1)::int AS n")
            return try connection.query("SELECT name FROM pg_prepared_statements ORDER BY name").rows.map { try $0.string("name") }
        }
        #expect(names.allSatisfy { $0.count == 2 } && Set(names[0]).isDisjoint(with: names[1]), "\(names)")
    }
}

@Suite struct StatementFallbackTests {
    /// A pool in prepared mode that records what it logs.
    static func pool() -> (Database, Locked<[String]>) {
        let logged = Locked<[String]>([])
        let database = Database(
            url: TestDatabase.cluster.appURL, poolSize: 1, statements: .prepared, onFallback: { line in logged.mutate { $0.append(line) } })
        return (database, logged)
    }

    /// What a transaction pool does between two transactions: the next one lands on a server
    /// connection that never saw this connection's statements.
    static func loseStatements(_ database: Database) async throws {
        _ = try await database.withConnection { try $0.execute("DEALLOCATE ALL") }
    }

    @Test func aStatementTheServerLostRunsAgainUnnamedAndThePoolStaysUnnamed() async throws {
        let (database, logged) = Self.pool()
        @Sendable func plusOne(_ n: Int) -> SQLQuery { "SELECT \(n)::int + 1 AS n" }
        #expect(try await database.withConnection { try $0.query(plusOne(1)).first!.int("n") } == 2)
        try await Self.loseStatements(database)
        #expect(try await database.withConnection { try $0.query(plusOne(2)).first!.int("n") } == 3)
        #expect(database.statements.mode == .unnamed)
        for i in 3...5 { #expect(try await database.withConnection { try $0.query(plusOne(i)).first!.int("n") } == i + 1) }
        #expect(try await database.withConnection { try $0.query("SELECT count(*) AS n FROM pg_prepared_statements").first!.int("n") } == 0)
        #expect(logged.value.count == 1, "said once: \(logged.value)")
        #expect(logged.value.first?.contains("[26000]") == true && logged.value.first?.contains("DATABASE_STATEMENTS=unnamed") == true)
        await database.shutdown()
    }

    @Test func aTransactionThatMetALostStatementIsRolledBackAndRunOnceMoreUnnamed() async throws {
        let (database, logged) = Self.pool()
        let (workspace, _) = try await TestDatabase.workspace()
        let count: SQLQuery = "SELECT count(*) AS n FROM tiktok_briefs WHERE handle = \("@lost_statement")"
        #expect(try await database.withWorkspace(workspace) { try $0.query(count).first!.int("n") } == 0)
        try await Self.loseStatements(database)
        let attempts = Locked(0)
        let seen = try await database.withWorkspace(workspace) { c in
            attempts.mutate { $0 += 1 }
            _ = try BriefRepository.create(NewBrief(handle: "@lost_statement"), workspace: workspace, on: c)
            return try c.query(count).first!.int("n")
        }
        #expect(attempts.value == 2 && seen == 1, "the first attempt's insert was rolled back")
        let stored = try await database.withWorkspace(workspace) {
            try BriefRepository.list(limit: 10, cursor: nil, on: $0).items.map(\.handle)
        }
        #expect(stored == ["@lost_statement"])
        #expect(logged.value.count == 1)
        await database.shutdown()
    }
}

@Suite(.serialized) struct PoolTests {
    @Test func aPoolSurvivesTerminatedBackends() async throws {
        let database = Database(url: TestDatabase.cluster.appURL, poolSize: 3)
        defer { Task { await database.shutdown() } }
        let pids = try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    try await database.withConnection { c in
                        Thread.sleep(forTimeInterval: 0.05)
                        return c.backendPID
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let superuser = try Connection(url: TestDatabase.cluster.superuserURL)
        for pid in Set(pids) { try superuser.query("SELECT pg_terminate_backend(\(Int(pid)))") }
        for _ in 0..<6 {
            let answer = try await database.withConnection { try $0.query("SELECT 41 + 1 AS n").first!.int("n") }
            #expect(answer == 42)
        }
    }

    @Test func aHundredUnitsThroughTwoConnectionsAllRunAndHandThemBack() async throws {
        let database = Database(url: TestDatabase.cluster.appURL, poolSize: 2, acquireTimeout: TestDatabase.acquireTimeout)
        defer { Task { await database.shutdown() } }
        let pids = try await withThrowingTaskGroup(of: Int32.self) { group in
            for unit in 0..<100 {
                group.addTask {
                    try await database.withConnection { c in
                        if unit % 20 == 0 { Thread.sleep(forTimeInterval: 0.01) }
                        return Int32(try c.query("SELECT pg_backend_pid() AS pid").first!.int("pid"))
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(pids.count == 100)
        #expect(Set(pids).count <= 2, "never more connections than the pool's size")
        let stats = database.pool.stats
        #expect(stats.open == Set(pids).count && stats.idle == stats.open && stats.waiting == 0)
    }

    /// A pool of one connection, held by a unit until `release` opens; `holder` ends after that.
    static func heldPool(acquireTimeout: Duration) async throws -> (database: Database, release: Latch, holder: Task<Void, any Error>) {
        let database = Database(url: TestDatabase.cluster.appURL, poolSize: 1, acquireTimeout: acquireTimeout)
        let held = Latch()
        let release = Latch()
        let holder = Task {
            try await database.withConnection { _ in
                held.open()
                release.wait()
            }
        }
        try await eventually("the holder has the connection") { held.isOpen }
        return (database, release, holder)
    }

    @Test func aFullPoolTimesOutWithAPoolError() async throws {
        let (database, release, holder) = try await Self.heldPool(acquireTimeout: .milliseconds(200))
        defer { Task { await database.shutdown() } }
        let error = await #expect(throws: DatabaseError.self) {
            try await database.withConnection { try $0.query("SELECT 1") }
        }
        #expect(error?.kind == .poolTimeout)
        release.open()
        try await holder.value
        let stats = database.pool.stats
        #expect(stats.open == 1 && stats.waiting == 0)
    }

    @Test func aWaiterWhoseTimeIsUpFailsWhileALaterOneKeepsWaitingAndIsServed() async throws {
        let (database, release, holder) = try await Self.heldPool(acquireTimeout: .seconds(2))
        defer { Task { await database.shutdown() } }
        let early = Task { try await database.withConnection { try $0.query("SELECT 1") } }
        try await eventually("the first waiter waits") { database.pool.stats.waiting == 1 }
        // A plain thread frees the connection 1 s after the first waiter's deadline, and the second
        // waiter queues 1.5 s after the first: whenever the test's own tasks get to run, the first
        // has timed out by then and the second has not.
        let queued = Date()
        Thread {
            Thread.sleep(until: queued.addingTimeInterval(3))
            release.open()
        }.start()
        try await Task.sleep(for: .milliseconds(1500))
        let late = Task { try await database.withConnection { try $0.query("SELECT 2 AS n").first!.int("n") } }
        let error = await #expect(throws: DatabaseError.self) { try await early.value }
        #expect(error?.kind == .poolTimeout)
        try await holder.value
        #expect(try await late.value == 2, "the later waiter was served")
        #expect(database.pool.stats.waiting == 0)
    }

    @Test func shuttingDownWaitsForTheUnitInFlightAndRefusesLaterOnes() async throws {
        let database = Database(url: TestDatabase.cluster.appURL, poolSize: 2)
        let started = Latch()
        let finished = Latch()
        let inFlight = Task {
            try await database.withConnection { c in
                started.open()
                Thread.sleep(forTimeInterval: 0.3)
                _ = try c.query("SELECT 1")
                finished.open()
            }
        }
        try await eventually("the unit runs") { started.isOpen }
        await database.shutdown()
        #expect(finished.isOpen, "shutdown returned only after the unit in flight finished")
        #expect(database.pool.stopped)
        try await inFlight.value
        let refused = await #expect(throws: DatabaseError.self) { try await database.withConnection { try $0.query("SELECT 1") } }
        #expect(refused?.message.contains("stopped") == true)
    }

    @Test func aPoolSurvivesAFullServerRestart() async throws {
        let launcher = try EmbeddedPostgres(dataDir: TestDatabase.dataDir + "-restart", logger: .init(label: "restart"))
        let cluster = try launcher.start(migrator: TestDatabase.migrator)
        let database = Database(url: cluster.appURL, poolSize: 2)
        #expect(try await database.withConnection { try $0.query("SELECT 1 AS n").first!.int("n") } == 1)

        try launcher.stop()
        await #expect(throws: DatabaseError.self) {
            try await database.withConnection { try $0.query("SELECT 1") }
        }
        let restarted = try launcher.start()
        #expect(restarted.appURL == cluster.appURL, "the cluster comes back on the same port")
        for _ in 0..<4 {
            #expect(try await database.withConnection { try $0.query("SELECT 2 AS n").first!.int("n") } == 2)
        }
        await database.shutdown()
        try launcher.stop()
    }
}

/// `send`: statements whose answers nobody reads travel with the next one that needs an answer.
@Suite struct QueuedStatementTests {
    @Test func queuedStatementsRunInOrderWithTheNextQuery() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let seen = try await TestDatabase.database.withWorkspace(workspace) { c -> Int in
            let before = c.completedStatements
            try c.send("INSERT INTO tiktok_outbox (workspace_id, topic, payload) VALUES (\(workspace), 'queued', '{}')")
            try c.send("INSERT INTO tiktok_outbox (workspace_id, topic, payload) VALUES (\(workspace), 'queued', '{}')")
            #expect(c.completedStatements == before, "nothing is sent yet")
            return try c.query("SELECT count(*)::int AS n FROM tiktok_outbox WHERE topic = 'queued'").first!.int("n")
        }
        #expect(seen == 2, "the queued rows are written before the query that follows them")
    }

    @Test func aQueuedStatementThatFailsFailsTheWholeTransaction() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        await #expect(throws: DatabaseError.self) {
            try await TestDatabase.database.withWorkspace(workspace) { c in
                try c.query("INSERT INTO tiktok_outbox (workspace_id, topic, payload) VALUES (\(workspace), 'doomed', '{}')")
                try c.send("INSERT INTO tiktok_outbox (workspace_id, topic, payload) VALUES (\(WorkspaceID(UUID())), 'doomed', '{}')")
            }
        }
        let left = try await TestDatabase.database.withWorkspace(workspace) { c in
            try c.query("SELECT count(*)::int AS n FROM tiktok_outbox WHERE topic = 'doomed'").first!.int("n")
        }
        #expect(left == 0, "the row written before the failing queued one was rolled back with it")
    }

    @Test func outsideATransactionSendRunsAtOnceAndCommitCarriesWhatIsQueued() throws {
        let connection = try Connection(url: TestDatabase.cluster.appURL)
        try connection.send("SELECT set_config('app.probe', 'sent', false)")
        #expect(try connection.query("SELECT current_setting('app.probe') AS v").first?["v"] == "sent")
        try connection.execute("BEGIN")
        try connection.send("SELECT set_config('app.probe', 'committed', false)")
        try connection.execute("COMMIT")
        #expect(try connection.query("SELECT current_setting('app.probe') AS v").first?["v"] == "committed")
    }

    @Test func aStatementSentAtCommitRunsAfterEveryOtherStatementOfTheTransaction() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let insert: SQLQuery = "INSERT INTO tiktok_outbox (workspace_id, topic, payload) VALUES (\(workspace), 'last', '{}')"
        let seen = try await TestDatabase.database.withWorkspace(workspace) { c -> [Int] in
            try c.sendAtCommit(insert)
            try c.send("INSERT INTO tiktok_outbox (workspace_id, topic, payload) VALUES (\(workspace), 'first', '{}')")
            return [
                try c.query("SELECT count(*)::int AS n FROM tiktok_outbox WHERE topic = 'first'").first!.int("n"),
                try c.query("SELECT count(*)::int AS n FROM tiktok_outbox WHERE topic = 'last'").first!.int("n"),
            ]
        }
        #expect(seen == [1, 0], "queued statements ran with the next query; the one sent at commit waited")
        let order = try await TestDatabase.database.withWorkspace(workspace) { c in
            try c.query("SELECT topic FROM tiktok_outbox WHERE topic IN ('first', 'last') ORDER BY seq").rows.map { $0["topic"] ?? "" }
        }
        #expect(order == ["first", "last"], "it was written, last, when the transaction committed")
    }

    @Test func aStatementSentAtCommitIsDroppedWithARolledBackTransaction() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        struct Abandon: Error {}
        await #expect(throws: Abandon.self) {
            try await TestDatabase.database.withWorkspace(workspace) { c in
                try c.query("SELECT 1")
                try c.sendAtCommit("INSERT INTO tiktok_outbox (workspace_id, topic, payload) VALUES (\(workspace), 'abandoned', '{}')")
                throw Abandon()
            }
        }
        let later = try await TestDatabase.database.withWorkspace(workspace) { c in
            try c.query("SELECT count(*)::int AS n FROM tiktok_outbox WHERE topic = 'abandoned'").first!.int("n")
        }
        #expect(later == 0, "nothing was written, and the next transaction on the connection did not carry it")
    }

    @Test func anAnswerSentForLaterArrivesWithTheCommitInTheSameRoundTrip() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let connection = try Connection(url: TestDatabase.cluster.appURL)
        var (answer, trips): (LaterAnswer?, Int) = (nil, 0)
        // The second time, the statements are prepared on the connection already.
        for _ in 1...2 {
            let before = connection.roundTrips
            connection.begin(scopedTo: workspace.description)
            answer = try connection.sendForLater(
                "INSERT INTO tiktok_outbox (workspace_id, topic, payload) VALUES (\(workspace), 'later', '{}') RETURNING topic")
            #expect(answer?.result == nil, "nothing is sent yet")
            try connection.execute("COMMIT")
            trips = connection.roundTrips - before
        }
        #expect(answer?.result?.first?["topic"] == "later")
        #expect(trips == 1, "BEGIN, the scope, the insert and COMMIT went in \(trips) round trips")
    }

    @Test func anAnswerSentForLaterComesWithTheNextQueryInOrder() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let (first, second, count) = try await TestDatabase.database.withWorkspace(workspace) { c in
            let first = try c.sendForLater("SELECT set_config('app.probe', 'one', true) AS v")
            let second = try c.sendForLater("SELECT current_setting('app.probe') || ' then two' AS v")
            let count = try c.query("SELECT 3 AS n").first!.int("n")
            return (first.result?.first?["v"], second.result?.first?["v"], count)
        }
        #expect(first == "one" && second == "one then two" && count == 3)
    }

}
