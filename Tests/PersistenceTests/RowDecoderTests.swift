import Core
import Foundation
import Persistence
import TestSupport
import Testing

@Suite struct RowDecoderTests {
    enum Mood: String, Decodable, Sendable { case calm, busy }

    struct Sample: Decodable, Equatable, Sendable {
        var briefId: BriefID
        var accountId: UUID?
        var title: String
        var viewCount: Int
        var ratio: Double
        var isLive: Bool
        var capturedAt: Date
        var mood: Mood
        var tags: [String]
        var adIds: [String]
        var settings: [String: String]
        var payload: JSONValue
        var missing: String?
    }

    func decode<T: Decodable & Sendable>(_ sql: SQLQuery, as type: T.Type) async throws -> T {
        try await TestDatabase.database.withConnection { try $0.query(sql).first!.decode(type) }
    }

    @Test func everyColumnTypeReadsIntoItsPropertyBySnakeCaseName() async throws {
        let brief = BriefID(UUID())
        let sample = try await decode(
            """
            SELECT \(brief) AS brief_id, NULL::uuid AS account_id, 'é "quoted"' AS title, 7106594312292453675::bigint AS view_count,
                0.125::numeric AS ratio, true AS is_live, '2026-12-06 15:32:11.25+00'::timestamptz AS captured_at, 'busy' AS mood,
                ARRAY['a', 'b,c', 'd"e']::text[] AS tags, '["7106594312292453675"]'::jsonb AS ad_ids,
                '{"profile_auditor": "claude-sonnet-4-5"}'::jsonb AS settings, '{"id": 7106594312292453675, "n": 1.10}'::jsonb AS payload
            """, as: Sample.self)
        #expect(sample.briefId == brief)
        #expect(sample.accountId == nil)
        #expect(sample.title == "é \"quoted\"")
        #expect(sample.viewCount == 7_106_594_312_292_453_675)
        #expect(sample.ratio == 0.125)
        #expect(sample.isLive)
        #expect(sample.capturedAt == Date(timeIntervalSince1970: 1_796_571_131.25))
        #expect(sample.mood == Mood.busy)
        #expect(sample.tags == ["a", "b,c", "d\"e"])
        #expect(sample.adIds == ["7106594312292453675"])
        #expect(sample.settings == ["profile_auditor": "claude-sonnet-4-5"])
        #expect(sample.payload["id"]?.idText == "7106594312292453675")
        #expect(sample.missing == nil)
    }

    struct Required: Decodable, Sendable { var briefId: BriefID }
    struct Counted: Decodable, Sendable { var viewCount: Int }
    struct Moody: Decodable, Sendable { var mood: Mood }

    @Test func aBadOrMissingColumnIsADecodingErrorNamingIt() async throws {
        let absent = await #expect(throws: DatabaseError.self) { try await decode("SELECT 1 AS other", as: Required.self) }
        #expect(absent?.kind == .decoding)
        #expect(absent?.message.contains("brief_id") == true)
        let null = await #expect(throws: DatabaseError.self) { try await decode("SELECT NULL::uuid AS brief_id", as: Required.self) }
        #expect(null?.message.contains("column brief_id is NULL") == true)
        let text = await #expect(throws: DatabaseError.self) { try await decode("SELECT 'many' AS view_count", as: Counted.self) }
        #expect(text?.message.contains("column view_count is not an integer") == true)
        let unknown = await #expect(throws: DatabaseError.self) { try await decode("SELECT 'sleepy' AS mood", as: Moody.self) }
        #expect(unknown?.message.contains("column mood is not a known Mood") == true)
    }

    @Test func aStoredModelReadsBackWhatWasWritten() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let (brief, approval) = try await TestDatabase.database.withWorkspace(workspace) { c in
            let brief = try BriefRepository.create(
                NewBrief(handle: "@decoded", notes: nil, inputs: ["video_id": .number(JSONNumber("7106594312292453675")!)]),
                workspace: workspace, on: c)
            let run = try RunRepository.create(
                workspace: workspace, workflowId: nil, workflowSlug: "s", briefId: brief.id, input: [:], on: c)
            let step = try StepRepository.createAll(
                [NewStep(stepKey: "gate", kind: .approval, agentName: nil, dependsOn: [])], run: run.id, workspace: workspace, on: c)[0]
            let approval = try ApprovalRepository.open(
                run: run.id, step: step.id, stepKey: "gate", payload: ["budget_usd": 50], workspace: workspace, on: c)
            return (brief, approval)
        }
        let found = try await TestDatabase.database.withWorkspace(workspace) { c in
            (try BriefRepository.find(brief.id, on: c), try ApprovalRepository.find(approval.id, on: c))
        }
        #expect(found.0 == brief)
        #expect(found.0?.inputs["video_id"]?.idText == "7106594312292453675")
        #expect(found.1 == approval)
        #expect(found.1?.decidedAt == nil)
        #expect(found.1?.status == .pending)
    }
}
