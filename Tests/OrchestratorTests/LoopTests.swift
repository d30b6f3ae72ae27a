import Agents
import Core
import Foundation
import Persistence
import Providers
import TestSupport
import Testing

@testable import Orchestrator

/// The services that close the loops: the scheduler, the audit relay, alerts and their Slack posts.
@Suite(.serialized) struct LoopTests {
    static let store = TestDatabase.isolated("loops")

    static func schedule(_ harness: Harness, workspace: WorkspaceID, brief: BriefID, due: Date) async throws -> Schedule {
        try await harness.database.withWorkspace(workspace) { c in
            try ScheduleRepository.create(
                brief: brief, workflowSlug: "profile_audit", cron: nil, intervalSeconds: 3600, timeZone: "UTC", nextRunAt: due,
                workspace: workspace, on: c)
        }
    }

    static func scheduledRuns(_ harness: Harness, _ workspace: WorkspaceID) async throws -> [WorkflowRun] {
        try await harness.database.withWorkspace(workspace) { c in
            try RunRepository.list(RunFilter(), limit: 50, cursor: nil, on: c).items.compactMap { try RunRepository.find($0.id, on: c) }
        }.filter { $0.input["scheduled"] != nil }
    }

    @Test func aScheduleFiresOncePerOccurrenceWithTwoSchedulers() async throws {
        let first = Harness(Self.store, runLoop: false)
        let second = Harness(Self.store, runLoop: false)
        let (workspace, brief) = try await first.brief("@glowco")
        let schedule = try await Self.schedule(first, workspace: workspace, brief: brief.id, due: Date().addingTimeInterval(-1))
        for occurrence in 1...2 {
            let fired = try await withThrowingTaskGroup(of: Int.self) { group in
                for harness in [first, second, first, second] {
                    group.addTask { try await harness.service.fireDueSchedules(workspace: workspace).count }
                }
                return try await group.reduce(0, +)
            }
            #expect(fired == 1, "occurrence \(occurrence) started one run")
            let runs = try await Self.scheduledRuns(first, workspace)
            #expect(runs.count == occurrence)
            let current = try await first.database.withWorkspace(workspace) { try ScheduleRepository.find(schedule.id, on: $0) }
            #expect((current?.nextRunAt ?? .distantPast) > Date(), "the next occurrence is in the future")
            #expect(current?.lastRunId == runs.first?.id)
            // The next occurrence comes due.
            _ = try await first.database.withWorkspace(workspace) {
                try ScheduleRepository.setEnabled(schedule.id, true, nextRunAt: Date().addingTimeInterval(-1), on: $0)
            }
        }
        await first.stop()
        await second.stop()
    }

    @Test func afterDowntimeTheMissedOccurrencesStartOneRun() async throws {
        let harness = Harness(Self.store, runLoop: false)
        let (workspace, brief) = try await harness.brief("@glowco")
        let schedule = try await Self.schedule(harness, workspace: workspace, brief: brief.id, due: Date().addingTimeInterval(-5 * 3600))
        #expect(try await harness.service.fireDueSchedules(workspace: workspace).count == 1)
        #expect(try await harness.service.fireDueSchedules(workspace: workspace).isEmpty)
        let current = try await harness.database.withWorkspace(workspace) { try ScheduleRepository.find(schedule.id, on: $0) }
        let next = try #require(current?.nextRunAt)
        #expect(next > Date() && next < Date().addingTimeInterval(3601))
        let runs = try await Self.scheduledRuns(harness, workspace)
        #expect(runs.first?.input["scheduled"]?["schedule_id"]?.stringValue == schedule.id.uuidString)
        await harness.stop()
    }

    @Test func aScheduleIsRefusedWithABadRuleNamingIt() async throws {
        let harness = Harness(Self.store, runLoop: false)
        let (workspace, brief) = try await harness.brief("@glowco")
        let cases: [(String?, Int?, String, String)] = [
            ("0 9 * *", nil, "UTC", "five fields"), ("61 * * * *", nil, "UTC", "minute"), ("0 9 * * 1", nil, "Mars/Base", "time_zone"),
            (nil, 30, "UTC", "at least 60"), ("0 9 * * 1", 3600, "UTC", "either cron or interval_seconds"),
        ]
        for (cron, interval, zone, words) in cases {
            let error = await #expect(throws: AppError.self) {
                try await harness.service.schedule(
                    brief: brief.id, workflowSlug: "profile_audit", cron: cron, intervalSeconds: interval, timeZone: zone,
                    workspace: workspace)
            }
            #expect(error?.status == 400 && error?.message.contains(words) == true, "\(String(describing: error))")
        }
        let weekly = try await harness.service.schedule(
            brief: brief.id, workflowSlug: "profile_audit", cron: "0 9 * * 1", intervalSeconds: nil, timeZone: "America/New_York",
            workspace: workspace)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/New_York")!
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: weekly.nextRunAt)
        #expect(parts.weekday == 2 && parts.hour == 9 && parts.minute == 0, "Monday 09:00 in New York")
        await harness.stop()
    }

    @Test func theAuditRelayPublishesInOrderPerRunAndSurvivesAFailedPublish() async throws {
        let harness = Harness(Self.store, runLoop: false)
        let (workspace, _) = try await harness.brief("@glowco")
        let runs = [UUID().uuidString, UUID().uuidString]
        try await harness.database.withWorkspace(workspace) { c in
            for index in 0..<6 {
                try OutboxRepository.append(
                    topic: "audit-event",
                    payload: ["event": "agent_run.started", "workflow_run_id": .string(runs[index % 2]), "n": .number(index)],
                    workspace: workspace, on: c)
            }
        }
        let received = Locked<[JSONValue]>([])
        let server = FakeServer { request, index in
            guard request.method == "POST", request.path == "/v1/projects/p/topics/audit-event:publish",
                let messages = request.json?["messages"]?.arrayValue
            else { return FakeReply(status: 404) }
            if index == 0 { return .json(["error": ["code": 503, "message": "unavailable", "status": "UNAVAILABLE"]], status: 503) }
            received.mutate { $0 += messages }
            return .json(["messageIds": .array(messages.indices.map { .string("m-\(index)-\($0)") })])
        }
        try await server.run { base in
            let publisher = PubSubPublisher(
                project: "p", emulatorHost: base.replacingOccurrences(of: "http://", with: ""), tokens: nil, transport: CurlTransport(),
                retry: .none)
            let relay = AuditRelay(database: harness.database, publisher: publisher, topic: "audit-event", batchSize: 4)
            await #expect(throws: ProviderError.self) { try await relay.relay(workspace) }
            let kept = try await harness.database.withWorkspace(workspace) { try OutboxRepository.list(on: $0) }
            #expect(kept.allSatisfy { $0.publishedAt == nil }, "a failed publish keeps every event")
            #expect(try await relay.relay(workspace) == 6)
            #expect(try await relay.relay(workspace) == 0, "nothing is published twice")
        }
        let messages = received.value
        #expect(messages.count == 6)
        let decoded = messages.compactMap {
            $0["data"]?.stringValue.flatMap { Data(base64Encoded: $0) }.flatMap { try? JSONValue.parse($0) }
        }
        #expect(decoded.compactMap { $0["n"]?.intValue } == [0, 1, 2, 3, 4, 5], "written order, so each run's events stay in order")
        #expect(messages.allSatisfy { $0["attributes"]?["workspace_id"]?.stringValue == workspace.description })
        #expect(Set(messages.compactMap { $0["attributes"]?["event_id"]?.stringValue }).count == 6, "each event has its id")
        let after = try await harness.database.withWorkspace(workspace) { try OutboxRepository.list(on: $0) }
        #expect(after.allSatisfy { $0.publishedAt != nil })
        await harness.stop()
    }

    @Test func aFailedRunRaisesAnAlertThatIsPostedToSlackOnce() async throws {
        let harness = Harness(Self.store, runLoop: false)
        let (workspace, brief) = try await harness.brief("@glowco")
        let posts = Locked<[String]>([])
        let server = FakeServer { request, _ in
            guard request.method == "POST", request.header("content-type")?.hasPrefix("application/json") == true,
                let text = request.json?["text"]?.stringValue
            else { return FakeReply(status: 400, body: Data("invalid_payload".utf8)) }
            posts.mutate { $0.append(text) }
            return FakeReply(status: 200, body: Data("ok".utf8))
        }
        try await server.run { base in
            let run = try await harness.database.withWorkspace(workspace) { c -> WorkflowRun in
                try AlertRepository.saveSettings(
                    NotificationSettings(slackWebhookURL: base + "/services/T/B/X", approvalAlertMinutes: 60), workspace: workspace, on: c)
                let run = try RunRepository.create(
                    workspace: workspace, workflowId: nil, workflowSlug: "campaign_launch", briefId: brief.id, input: [:], on: c)
                _ = try RunTransitions.endRun(run.id, workspace, status: .failed, error: "step publisher failed: quota", c)
                return run
            }
            let alerts = try await harness.database.withWorkspace(workspace) { try AlertRepository.list(limit: 10, on: $0) }
            #expect(alerts.map(\.kind) == ["run_failed"] && alerts.first?.link == "/runs/\(run.id)")
            let notifier = AlertNotifier(
                database: harness.database, chat: SlackWebhook(transport: CurlTransport()), baseURL: "https://army.example/")
            #expect(try await notifier.notifyOnce() >= 1)
            #expect(try await notifier.notifyOnce() == 0, "posted once")
            let mine = posts.value.filter { $0.contains(run.id.description) }
            #expect(mine.count == 1)
            #expect(mine.first?.contains("Campaign Launch run failed: step publisher failed: quota") == true)
            #expect(mine.first?.contains("<https://army.example/runs/\(run.id)|Open>") == true)
        }
        await harness.stop()
    }
}
