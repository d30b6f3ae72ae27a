import Core
import Foundation
import Logging
import Persistence
import TestSupport
import Testing

@Suite struct RepositoryTests {
    @Test func briefsPageNewestFirstWithoutGapsOrRepeats() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        var created: [BriefID] = []
        for i in 0..<7 {
            created.append(
                try await TestDatabase.database.withWorkspace(workspace) {
                    try BriefRepository.create(NewBrief(handle: "@b\(i)"), workspace: workspace, on: $0).id
                })
        }
        var seen: [BriefID] = []
        var cursor: String?
        repeat {
            let page = try await TestDatabase.database.withWorkspace(workspace) { [cursor] in
                try BriefRepository.list(limit: 3, cursor: cursor, on: $0)
            }
            seen += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen == created.reversed())
    }

    @Test func aRunFindsItsOwnBrandContextOrAdoptsARecentOneOfTheSameHandleInOneRoundTrip() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        // A pool of its own, so its round trips are this test's alone.
        let database = Database(url: TestDatabase.cluster.appURL, poolSize: 2)
        let runs = try await database.withWorkspace(workspace) { c in
            try (0..<4).map { _ in
                try RunRepository.create(workspace: workspace, workflowId: nil, workflowSlug: "s", briefId: nil, input: [:], on: c).id
            }
        }
        let now = Date()
        let since = now.addingTimeInterval(-3600)
        let context: @Sendable (String, String, TimeInterval) -> StoredRunContext = { handle, text, age in
            StoredRunContext(
                handle: handle, data: ["text": .string(text)], text: text,
                builtAt: Date(timeIntervalSince1970: (now.timeIntervalSince1970 - age).rounded()))
        }
        let find = { (run: WorkflowRunID, handle: String) in
            try await RunContextRepository.findOrAdopt(run: run, handle: handle, since: since, workspace: workspace, in: database)
        }

        #expect(try await find(runs[0], "@glowco") == nil, "nothing stored yet")
        _ = try await database.withWorkspace(workspace) { c in
            try RunContextRepository.store(context("@glowco", "too old", 7200), run: runs[0], workspace: workspace, on: c)
        }
        #expect(try await find(runs[1], "@glowco") == nil, "a context built before `since` is not adopted")

        let recent = context("@glowco", "recent", 60)
        try await database.withWorkspace(workspace) { c in
            _ = try RunContextRepository.store(recent, run: runs[1], workspace: workspace, on: c)
            _ = try RunContextRepository.store(context("@other", "newer, of another brand", 1), run: runs[2], workspace: workspace, on: c)
        }
        let trips = database.roundTrips.current
        #expect(try await find(runs[3], "@glowco") == recent, "the newest of the same handle is adopted")
        #expect(database.roundTrips.current - trips == 1)
        let stored = try await database.withWorkspace(workspace) { try RunContextRepository.find(run: runs[3], on: $0) }
        #expect(stored == recent, "and stored for the run")
        #expect(try await find(runs[0], "@glowco")?.text == "too old", "a run's own context wins over any newer one")
        await database.shutdown()
    }

    @Test func aMalformedCursorIsTheCallersError() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let error = await #expect(throws: AppError.self) {
            try await TestDatabase.database.withWorkspace(workspace) { try BriefRepository.list(limit: 3, cursor: "garbage!", on: $0) }
        }
        #expect(error?.status == 400)
    }

    @Test func aStepOutcomeUnderALeaseItNoLongerHoldsFailsWholeWithoutWaitingToAsk() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let (_, step) = try await Self.runningStep(in: workspace)
        func outcome(_ owner: String) async throws {
            try await TestDatabase.database.withWorkspace(workspace) { c in
                try RunTransitions.holdLease(step, owner: owner, c)
                try OutboxRepository.append(topic: "audit-event", payload: ["by": .string(owner)], workspace: workspace, on: c)
                _ = try c.query("SELECT 1")
            }
        }
        let lost = await #expect(throws: DatabaseError.self) { try await outcome("engine-b") }
        #expect(lost?.isLeaseLost == true, "\(String(describing: lost))")
        try await outcome("engine-a")
        let written = try await TestDatabase.database.withWorkspace(workspace) { c in
            try c.query("SELECT payload->>'by' AS by FROM tiktok_outbox WHERE workspace_id = \(workspace)").rows.map { try $0.string("by") }
        }
        #expect(written == ["engine-a"])
    }

    @Test func oneStatementLocksTheRunAndThenAssertsTheStepsLease() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let (run, step) = try await Self.runningStep(in: workspace)
        let lost = await #expect(throws: DatabaseError.self) {
            try await TestDatabase.database.withWorkspace(workspace) { c in
                try RunTransitions.lockRun(run, holdingLeaseOf: step, owner: "engine-b", c)
                _ = try c.query("SELECT 1")
            }
        }
        #expect(lost?.isLeaseLost == true, "\(String(describing: lost))")
        let other = try Connection(url: TestDatabase.cluster.appURL)
        let (runLockRefused, stepLockRefused) = try await TestDatabase.database.withWorkspace(workspace) { c in
            try RunTransitions.lockRun(run, holdingLeaseOf: step, owner: "engine-a", c)
            _ = try c.query("SELECT 1")
            return (
                try Self.lockRefused("SELECT 1 FROM tiktok_workflow_runs WHERE id = \(run) FOR NO KEY UPDATE NOWAIT", workspace, on: other),
                try Self.lockRefused("SELECT 1 FROM tiktok_workflow_steps WHERE id = \(step) FOR UPDATE NOWAIT", workspace, on: other)
            )
        }
        #expect(runLockRefused && stepLockRefused, "the run's row and the step's are both held until the transaction ends")
    }

    /// A Profile Audit run with one agent step running under `engine-a`'s lease.
    static func runningStep(in workspace: WorkspaceID) async throws -> (run: WorkflowRunID, step: WorkflowStepID) {
        try await TestDatabase.database.withWorkspace(workspace) { c in
            let run = try RunRepository.create(
                workspace: workspace, workflowId: nil, workflowSlug: "profile_audit", briefId: nil, input: [:], on: c)
            let step = try StepRepository.createAll(
                [NewStep(stepKey: "audit", kind: .agent, agentName: "profile_auditor", dependsOn: [])], run: run.id, workspace: workspace,
                on: c)[0]
            try c.query("UPDATE tiktok_workflow_steps SET status = 'running', lease_owner = 'engine-a' WHERE id = \(step.id)")
            return (run.id, step.id)
        }
    }

    /// Whether `sql` (a `NOWAIT` lock) on `connection`, in its own transaction, meets a lock held elsewhere.
    static func lockRefused(_ sql: SQLQuery, _ workspace: WorkspaceID, on connection: Connection) throws -> Bool {
        try connection.execute("BEGIN")
        defer { _ = try? connection.execute("ROLLBACK") }
        try connection.query("SELECT set_config('app.workspace_id', \(workspace.description), true)")
        do {
            try connection.query(sql)
            return false
        } catch {
            guard error.sqlState == "55P03" else { throw error }
            return true
        }
    }

    @Test func anApprovalIsDecidedOnce() async throws {
        let (workspace, key) = try await TestDatabase.workspace()
        let approval = try await TestDatabase.database.withWorkspace(workspace) { c in
            let run = try RunRepository.create(
                workspace: workspace, workflowId: nil, workflowSlug: "campaign_launch", briefId: nil, input: [:], on: c)
            let step = try StepRepository.createAll(
                [NewStep(stepKey: "approval", kind: .approval, agentName: nil, dependsOn: [])], run: run.id, workspace: workspace, on: c)[0]
            return try ApprovalRepository.open(
                run: run.id, step: step.id, stepKey: "approval", payload: ["budget_usd": 500], workspace: workspace, on: c)
        }
        let decided = try await TestDatabase.database.withWorkspace(workspace) {
            try ApprovalRepository.decide(approval.id, approve: true, note: "ship it", by: key.id, on: $0)
        }
        #expect(decided.status == .approved)
        #expect(decided.decidedByKeyId == key.id)
        #expect(decided.decidedAt != nil)
        let second = await #expect(throws: AppError.self) {
            try await TestDatabase.database.withWorkspace(workspace) {
                try ApprovalRepository.decide(approval.id, approve: false, note: nil, by: key.id, on: $0)
            }
        }
        #expect(second?.status == 409)
        let (other, _) = try await TestDatabase.workspace()
        let hidden = await #expect(throws: AppError.self) {
            try await TestDatabase.database.withWorkspace(other) {
                try ApprovalRepository.decide(approval.id, approve: true, note: nil, by: nil, on: $0)
            }
        }
        #expect(hidden?.status == 404)
    }

    @Test func runEventsGetGapFreeSequencesUnderConcurrency() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let run = try await TestDatabase.database.withWorkspace(workspace) { c in
            try RunRepository.create(workspace: workspace, workflowId: nil, workflowSlug: "profile_audit", briefId: nil, input: [:], on: c)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask {
                    _ = try await TestDatabase.database.withWorkspace(workspace) { c in
                        try RunEventRepository.append(
                            run: run.id, event: .stepStarted, data: ["i": .number(i)], workspace: workspace, on: c)
                    }
                }
            }
            try await group.waitForAll()
        }
        let events = try await TestDatabase.database.withWorkspace(workspace) { try RunEventRepository.list(run: run.id, after: 0, on: $0) }
        #expect(events.map(\.seq) == Array(1...20))
        let tail = try await TestDatabase.database.withWorkspace(workspace) { try RunEventRepository.list(run: run.id, after: 15, on: $0) }
        #expect(tail.map(\.seq) == [16, 17, 18, 19, 20])
    }

    @Test func aFencedStepChangeAppendsItsEventOnlyWhenItChangedTheStep() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let (events, seq) = try await TestDatabase.database.withWorkspace(workspace) { c -> ([RunEvent?], Int) in
            let run = try RunRepository.create(workspace: workspace, workflowId: nil, workflowSlug: "s", briefId: nil, input: [:], on: c)
            let step = try StepRepository.createAll(
                [NewStep(stepKey: "gate", kind: .approval, agentName: nil, dependsOn: [])], run: run.id, workspace: workspace, on: c)[0]
            let change: SQLQuery =
                "UPDATE tiktok_workflow_steps SET status = 'running', updated_at = now() WHERE id = \(step.id) AND status = 'pending' RETURNING 1"
            let events = try (0..<2).map { _ in
                try RunEventRepository.append(
                    after: change, run: run.id, event: .stepStarted, data: ["step_key": "gate"], workspace: workspace, on: c)
            }
            return (events, try RunEventRepository.lastSeq(run: run.id, on: c))
        }
        #expect(events[0]?.seq == 1 && events[0]?.event == .stepStarted, "the first change moved the step and appended")
        #expect(events[1] == nil, "the second found the step no longer pending and appended nothing")
        #expect(seq == 1, "the run's sequence did not move for the change that did nothing")
    }

    @Test func independentQueriesAnswerInOrderInOneRoundTrip() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let (answers, trips) = try await TestDatabase.database.withWorkspace(workspace) { c -> ([String], Int) in
            let queries: [SQLQuery] = [
                "SELECT current_setting('app.probe') AS v", "SELECT \("second") AS v", "SELECT \(3)::text AS v",
            ]
            try c.send("SELECT set_config('app.probe', \("first"), true)")
            _ = try c.queries(queries)
            try c.send("SELECT set_config('app.probe', \("queued"), true)")
            let before = c.roundTrips
            let answers = try c.queries(queries)
            return (try answers.map { try $0.first!.string("v") }, c.roundTrips - before)
        }
        #expect(answers == ["queued", "second", "3"], "each answer in order, after what was queued before them")
        #expect(trips == 1, "once prepared (the first time, each on its own), all of them in one round trip")
    }

    @Test func finalisingARunSumsItsStepsAndHappensOnce() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let run = try await TestDatabase.database.withWorkspace(workspace) { c in
            let run = try RunRepository.create(
                workspace: workspace, workflowId: nil, workflowSlug: "profile_audit", briefId: nil, input: [:], on: c)
            _ = try StepRepository.createAll(
                [
                    NewStep(stepKey: "a", kind: .agent, agentName: "x", dependsOn: []),
                    NewStep(stepKey: "b", kind: .agent, agentName: "y", dependsOn: []),
                ], run: run.id, workspace: workspace, on: c)
            try c.query("UPDATE tiktok_workflow_steps SET cost_usd = 0.25, latency_ms = 100 WHERE run_id = \(run.id)")
            try c.query("UPDATE tiktok_workflow_runs SET report_md = '# Report' WHERE id = \(run.id)")
            return run
        }
        let done = try await TestDatabase.database.withWorkspace(workspace) {
            try RunRepository.finalize(run.id, status: .succeeded, error: nil, on: $0)
        }
        #expect(done?.totalCostUsd == 0.5)
        #expect(done?.totalLatencyMs == 200)
        #expect(done?.completedAt != nil)
        #expect(done?.reportMd == "", "the report's text is not read back, only that there is one")
        let stored = try await TestDatabase.database.withWorkspace(workspace) { try RunRepository.find(run.id, on: $0) }
        #expect(stored?.reportMd == "# Report", "the synthesis's report is kept")
        let again = try await TestDatabase.database.withWorkspace(workspace) {
            try RunRepository.finalize(run.id, status: .failed, error: "late", on: $0)
        }
        #expect(again == nil, "a terminal run is not finalised twice")
    }
}

@Suite struct NotificationListenerTests {
    @Test func aCommittedEventIsAnnouncedToListeners() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let listener = NotificationListener(
            url: TestDatabase.cluster.appURL, channels: [RunEventRepository.channel], logger: Logger(label: "test"))
        let stream = listener.subscribe()
        listener.start()
        defer { listener.stop() }
        let run = try await TestDatabase.database.withWorkspace(workspace) { c in
            try RunRepository.create(workspace: workspace, workflowId: nil, workflowSlug: "p", briefId: nil, input: [:], on: c)
        }
        // The listener connects in the background: announce events until one arrives, failing after 20 s.
        let received = try await withThrowingTaskGroup(of: PGNotification?.self) { group in
            group.addTask {
                for await event in stream {
                    if case .notification(let note) = event, note.payload.hasPrefix(run.id.description) { return note }
                }
                return nil
            }
            group.addTask {
                for _ in 0..<200 {
                    _ = try await TestDatabase.database.withWorkspace(workspace) { c in
                        try RunEventRepository.append(run: run.id, event: .runStarted, data: [:], workspace: workspace, on: c)
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        let note = try #require(received, "no notification within 20 s")
        #expect(note.channel == RunEventRepository.channel)
        let parts = note.payload.split(separator: ":")
        #expect(
            parts.count == 3 && parts[0] == run.id.description && Int(parts[1]) ?? 0 >= 1 && parts[2] == workspace.description,
            "\(note.payload)")
    }
}
