import APIContract
import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import HTTPServer

/// The operations generated from `openapi.yaml`: a body the contract refuses is a 4xx in the API's
/// error shape naming the field, never a 5xx, and the answers carry the document's field names.
@Suite(.serialized) struct ContractTests {
    @Test func aBodyTheContractRefusesIsA400NamingTheField() async throws {
        let harness = try APIHarness()
        let (_, admin) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let cases: [(JSONValue?, String?, Int, String, String)] = [
                (["name": "ci", "role": "viewer", "colour": "red"], nil, 400, "invalid_input", "unknown field colour"),
                (["name": 5, "role": "viewer"], nil, 400, "invalid_input", "name must be a string"),
                (["name": "ci"], nil, 400, "invalid_input", "role is required"),
                (["name": nil, "role": "viewer"], nil, 400, "invalid_input", "name must not be null"),
                (nil, "[1, 2]", 400, "invalid_input", "the body is not a JSON object"),
                (nil, "{\"name\": ", 400, "invalid_input", "the body is not a JSON object"),
                (["name": "nul\u{0}", "role": "viewer"], nil, 400, "invalid_input", "name contains a NUL character"),
            ]
            for (json, raw, status, code, message) in cases {
                let answer = try await client.call(.post, "/api/dashboard/keys", key: admin, json: json, raw: raw)
                #expect(answer.status == status && answer.error?.code == code, "\(json ?? .string(raw ?? "")): \(answer.text)")
                #expect(answer.error?.message.hasPrefix(message) == true, "\(answer.error?.message ?? answer.text) for \(message)")
                #expect(answer.json["error"]?["request_id"]?.stringValue?.isEmpty == false)
            }
            let form = try await client.call(.post, "/api/dashboard/keys", key: admin, raw: "name=ci", contentType: "text/plain")
            #expect(form.status == 415 && form.error?.code == "unsupported_media_type", "\(form.text)")
            let huge = String(repeating: "x", count: 300 << 10)
            let largeText = try await client.call(.post, "/api/dashboard/keys", key: admin, raw: huge, contentType: "text/plain")
            #expect(
                largeText.status == 413 && largeText.error?.code == "payload_too_large", "\(largeText.status) \(largeText.text.prefix(200))"
            )
            let tooLarge = try await client.call(.post, "/api/dashboard/keys", key: admin, json: ["name": .string(huge), "role": "viewer"])
            #expect(tooLarge.status == 413 && tooLarge.error?.code == "payload_too_large", "\(tooLarge.text)")
            let keys = try await client.call(.get, "/api/dashboard/keys", key: admin)
            #expect(keys.json["items"]?.arrayValue?.count == 1, "nothing refused was written: \(keys.text)")
        }
        await harness.stop()
    }

    @Test func answersCarryTheDocumentsFieldNamesAndMillisecondTimes() async throws {
        let harness = try APIHarness()
        let (_, admin) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let created = try await client.call(.post, "/api/dashboard/keys", key: admin, json: ["name": "ci", "role": "operator"])
            #expect(created.status == 201 && created.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(Set(created.json.objectValue?.keys.map { $0 } ?? []) == ["id", "name", "role", "api_key"])
            let listed = try await client.call(.get, "/api/dashboard/keys", key: admin).json["items"]?.arrayValue ?? []
            let key = try #require(listed.first { $0["name"] == "ci" })
            #expect(
                key["role"] == "operator" && key["last_used_at"] == nil && key["revoked_at"] == nil, "a field without a value is absent")
            let createdAt = try #require(key["created_at"]?.stringValue)
            #expect(createdAt.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(createdAt)")
            let revoked = try await client.call(.post, "/api/dashboard/keys/\(key["id"]!.stringValue!)/revoke", key: admin)
            #expect(revoked.status == 200 && revoked.json["revoked"] == true)
            let notAnId = try await client.call(.post, "/api/dashboard/keys/not-a-uuid/revoke", key: admin)
            #expect(notAnId.status == 400 && notAnId.error?.message == "id must be a UUID", "\(notAnId.text)")
        }
        await harness.stop()
    }

    @Test func anAPIDateReadsBackToTheMillisecondItWasWrittenAtAndOddTextIsADecodingError() throws {
        let transcoder = TimestampTranscoder()
        let date = Date(timeIntervalSince1970: 1_795_000_000.123)
        let text = try transcoder.encode(date)
        #expect(text == "2026-11-18T11:06:40.123Z")
        #expect(abs(try transcoder.decode(text).timeIntervalSince(date)) < 0.001)
        #expect(try transcoder.decode("2026-11-18T11:06:40Z") == Date(timeIntervalSince1970: 1_795_000_000))
        #expect(throws: DecodingError.self) { try transcoder.decode("18 Nov 2026") }
    }

    @Test func everyDomainCaseHasItsCaseInTheDocument() throws {
        for kind in AccountKind.allCases {
            let _: Components.Schemas.ConnectedAccount.KindPayload = try ContractValue.of(kind)
        }
        for status in AccountStatus.allCases {
            let _: Components.Schemas.ConnectedAccount.StatusPayload = try ContractValue.of(status)
        }
        for status in Evaluation.Status.allCases {
            let _: Components.Schemas.Evaluation.StatusPayload = try ContractValue.of(status)
        }
        for status in RunStatus.allCases { let _: Components.Schemas.RunStatus = try ContractValue.of(status) }
        for status in AgentRun.Status.allCases { let _: Components.Schemas.AgentRun.StatusPayload = try ContractValue.of(status) }
        for kind in AgentStep.Kind.allCases { let _: Components.Schemas.AgentCall.KindPayload = try ContractValue.of(kind) }
        for status in Approval.Status.allCases { let _: Components.Schemas.Approval.StatusPayload = try ContractValue.of(status) }
        for type in TargetType.allCases { let _: Components.Schemas.Brief.TargetTypePayload = try ContractValue.of(type) }
        for role in KeyRole.allCases { _ = Components.Schemas.KeyRole(role) }
        #expect(throws: AppError.self, "a value the document lacks is named, not crashed on") {
            let _: Components.Schemas.Evaluation.StatusPayload = try ContractValue.of(AccountStatus.needsReauth)
        }
    }
}
