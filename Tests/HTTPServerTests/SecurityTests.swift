import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Persistence
import Testing

@testable import HTTPServer

/// The findings of the security review, each as the attack that used to work.
@Suite(.serialized) struct SecurityTests {
    @Test func aNULCharacterIsRefusedInJSONAndFormsAndNothingIsStored() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            for (body, field) in [(#"{"handle": "@nul", "notes": "a\u0000b"}"#, "notes"), (#"{"handle": "@nul", "inputs": {"hashtags": ["ok", "x\u0000"]}}"#, "inputs.hashtags[1]")] {
                let refused = try await client.call(.post, "/api/dashboard/briefs", key: key, raw: body)
                #expect(refused.status == 400 && refused.json["error"]?["code"] == "invalid_input")
                #expect(refused.json["error"]?["message"]?.stringValue?.hasPrefix("\(field) contains a NUL character") == true, "\(refused.text)")
            }
            let form = try await client.call(
                .post, "/briefs", raw: "csrf=t&handle=%40nul&notes=a%00b", contentType: "application/x-www-form-urlencoded",
                headers: [.cookie: "tta_csrf=t"])
            #expect(form.status == 400 && form.json["error"]?["message"]?.stringValue?.contains("notes contains a NUL character") == true, "\(form.text)")
        }
        let stored = try await harness.store.database.withWorkspace(workspace) { try BriefRepository.list(limit: 10, cursor: nil, on: $0).items }
        #expect(stored.isEmpty)
        await harness.stop()
    }

    @Test func metricsAreOffWithoutAToken() async throws {
        let harness = try APIHarness()
        try await harness.withClient { client in
            let off = try await client.call(.get, "/metrics")
            #expect(off.status == 404 && off.json["error"]?["message"]?.stringValue?.contains("METRICS_TOKEN") == true)
        }
        await harness.stop()
        #expect(throws: SettingsError.self) { try Settings(environment: ["METRICS_TOKEN": "short"]) }
    }
}
