import Core
import Foundation
import Testing

@Suite struct JSONValueTests {
    @Test func parsesAndPrintsCanonically() throws {
        let value = try JSONValue.parse(#"{"b": [1, 2.5, "x", null, true], "a": {"c": false}}"#)
        #expect(value["a"]?["c"] == false)
        #expect(value["b"]?.arrayValue?.count == 5)
        #expect(value.jsonString == #"{"a":{"c":false},"b":[1,2.5,"x",null,true]}"#)
    }

    @Test func modelsEncodeSnakeCase() throws {
        let brief = Brief(
            id: BriefID(UUID()), workspaceId: WorkspaceID(UUID()), handle: "@a", targetType: .ownAccount, notes: nil, brandId: "b1",
            createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0))
        let json = try JSONValue.from(brief)
        #expect(json["target_type"] == "own_account")
        #expect(json["brand_id"] == "b1")
        #expect(json["created_at"] == "1970-01-01T00:00:00.000Z")
        #expect(try json.decode(Brief.self) == brief)
    }

    @Test func typedIDsRejectNonUUIDs() {
        #expect(BriefID("not-a-uuid") == nil)
        #expect(BriefID("6F9619FF-8B86-D011-B42D-00CF4FC964FF")?.description == "6f9619ff-8b86-d011-b42d-00cf4fc964ff")
    }

    @Test(arguments: [
        ("2026-11-25 01:44:29.123456+00", 1_795_571_069.123456),
        ("2026-11-25T01:44:29Z", 1_795_571_069.0),
        ("2026-11-25T03:44:29+02:00", 1_795_571_069.0),
    ])
    func timestampsParseFromPostgresAndISO(text: String, epoch: Double) throws {
        let date = try #require(Timestamp.parse(text))
        #expect(abs(date.timeIntervalSince1970 - epoch) < 0.000_01)
    }

    @Test func injectedSourcesAreDeterministic() {
        let ids = UUIDSource.incrementing()
        #expect(ids.next().uuidString == "00000000-0000-0000-0000-000000000001")
        #expect(ids.next().uuidString == "00000000-0000-0000-0000-000000000002")
        let clock = Clock.fixed(Date(timeIntervalSince1970: 42))
        #expect(clock.now().timeIntervalSince1970 == 42)
    }

    @Test func copiesOfATraceContextShareItsStepCounterAndPendingRows() async {
        let context = TraceContext(agentRunID: AgentRunID(UUID()), workspaceID: WorkspaceID(UUID()), agentName: "trend_scout")
        await TraceContext.$current.withValue(context) {
            #expect(TraceContext.current?.agentName == "trend_scout")
            #expect(TraceContext.current?.stepCounter.next() == 1)
            // A child task sees the same context, and its step indices continue the parent's.
            let child = await Task { TraceContext.current?.stepCounter.next() }.value
            #expect(child == 2)
        }
        #expect(context.stepCounter.next() == 3, "the counter lives with the run, not with a copy of the context")
    }

    @Test func foundationsCodersCarryNumbersExactly() throws {
        // The generated API types decode and encode free-form JSON through `Codable`.
        let text = #"{"big":71065943122924536751234,"decimal":12.345678901234567890123,"id":7106594312292453675,"small":0.1}"#
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(decoded["id"]?.numberValue?.text == "7106594312292453675")
        #expect(decoded["big"]?.numberValue?.text == "71065943122924536751234")
        #expect(decoded["decimal"]?.numberValue?.text == "12.345678901234567890123")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(decoded), as: UTF8.self) == text)
    }
}
