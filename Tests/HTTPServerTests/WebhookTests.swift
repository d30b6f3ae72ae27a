import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Persistence
import Providers
import Testing

@testable import HTTPServer

@Suite(.serialized) struct WebhookTests {
    static let secret = "webhook-secret"

    static func signed(_ body: String, at time: Int = Int(Date().timeIntervalSince1970), key: String = secret) throws -> HTTPFields {
        let signature = try opensslHMAC(key: key, message: Data("\(time).\(body)".utf8))
        return [HTTPField.Name("tiktok-signature")!: "t=\(time),s=\(signature)"]
    }

    static func deliveries(_ workspace: WorkspaceID) async throws -> Int {
        try await APIHarness.store.database.withWorkspace(workspace) { try $0.query("SELECT count(*) AS n FROM tiktok_webhook_deliveries").first!.int("n") }
    }

    @Test func tiktokDeliveriesAreVerifiedDeduplicatedAndStartAPostLaunchLoop() async throws {
        let harness = try APIHarness(environment: ["TIKTOK_CLIENT_SECRET": Self.secret])
        let (workspace, _) = try await APIHarness.workspace()
        let openId = "open-\(UUID().uuidString.prefix(8))"
        try await APIHarness.store.database.withWorkspace(workspace) { c in
            try c.query("INSERT INTO tiktok_accounts (workspace_id, handle, open_id) VALUES ($1, '@glowco', $2)", workspace, openId)
        }
        let content = JSONValue.object(["comment_id": "c-77", "video_id": "v-1", "text": "Where can I buy this?", "username": "fan1"]).jsonString
        let body = JSONValue.object(["client_key": "ck", "event": "comment.create", "create_time": 1_800_000_000, "user_openid": .string(openId), "content": .string(content)]).jsonString
        try await harness.withClient { client in
            let forged = try await client.call(.post, "/webhooks/tiktok", raw: body, headers: try Self.signed(body, key: "not-the-secret"))
            #expect(forged.status == 401 && forged.json["error"]?["code"] == "unauthorized")
            let stale = try await client.call(.post, "/webhooks/tiktok", raw: body, headers: try Self.signed(body, at: Int(Date().timeIntervalSince1970) - 600))
            #expect(stale.status == 401 && stale.json["error"]?["message"]?.stringValue?.contains("stale") == true)
            let unsigned = try await client.call(.post, "/webhooks/tiktok", raw: body)
            #expect(unsigned.status == 401)
            #expect(try await Self.deliveries(workspace) == 0, "nothing is stored for a refused delivery")

            let first = try await client.call(.post, "/webhooks/tiktok", raw: body, headers: try Self.signed(body))
            #expect(first.status == 200 && first.json["status"] == "processed")
            let runId = try #require(first.json["started_run_id"]?.stringValue)
            let replay = try await client.call(.post, "/webhooks/tiktok", raw: body, headers: try Self.signed(body))
            #expect(replay.status == 200 && replay.json["status"] == "duplicate" && replay.json["started_run_id"] == nil)
            #expect(try await Self.deliveries(workspace) == 1)
            let runs = try await APIHarness.store.database.withWorkspace(workspace) { try $0.query("SELECT count(*) AS n FROM tiktok_workflow_runs").first!.int("n") }
            #expect(runs == 1, "a duplicate delivery starts no second run")
            let comments = try await APIHarness.store.database.withWorkspace(workspace) { c in
                try c.query("SELECT external_id, text FROM tiktok_comments").rows.map { try $0.string("external_id") }
            }
            #expect(comments == ["c-77"])
            let run = try await harness.waitForRun(runId, workspace: workspace, until: [.awaitingApproval, .failed])
            #expect(run.workflowSlug == "post_launch_loop" && run.status == .awaitingApproval)

            let oversized = String(repeating: "x", count: 300_000)
            #expect(try await client.call(.post, "/webhooks/tiktok", raw: oversized, headers: try Self.signed(oversized)).status == 413)
            let stranger = JSONValue.object(["event": "comment.create", "user_openid": "nobody", "content": "{}"]).jsonString
            #expect(try await client.call(.post, "/webhooks/tiktok", raw: stranger, headers: try Self.signed(stranger)).json["status"] == "ignored")
        }
        await harness.stop()
    }

    @Test func withoutASecretTheTikTokWebhookIsUnavailable() async throws {
        let harness = try APIHarness()
        try await harness.withClient { client in
            let response = try await client.call(.post, "/webhooks/tiktok", raw: "{}")
            #expect(response.status == 404 && response.json["error"]?["code"] == "not_configured" && response.json["error"]?["message"] == "TIKTOK_CLIENT_SECRET is not set")
        }
        await harness.stop()
    }

    @Test func pubsubPushesNeedAVerifiedTokenAndAreIdempotent() async throws {
        let keys = try OpenSSLKeys.make()
        let signer = try RSAKey(privateKeyPEM: keys.privatePEM)
        let jwks: JSONValue = ["keys": [["kty": "RSA", "kid": "k1", "alg": "RS256", "n": .string(Crypto.base64URLEncode(keys.modulus)), "e": "AQAB"]]]
        let certs = FakeServer { _, _ in .json(jwks, headers: ["cache-control": "max-age=600"]) }
        try await certs.run { base in
            let audience = "https://army.example/webhooks/pubsub"
            let harness = try APIHarness(environment: [
                "PUBSUB_PUSH_AUDIENCE": audience, "PUBSUB_PUSH_SERVICE_ACCOUNT": "push@p.iam.gserviceaccount.com", "GOOGLE_OIDC_CERTS_URL": base + "/certs",
            ]) { $0.oidc = OIDCVerifier(certsURL: base + "/certs", transport: CurlTransport()) }
            let (workspace, _) = try await APIHarness.workspace()
            let (other, _) = try await APIHarness.workspace()
            let subscription = "projects/p/subscriptions/s-\(UUID().uuidString.prefix(8))"
            try await APIHarness.store.database.withWorkspace(workspace) { try WorkspaceRepository.mapSubscription(subscription, workspace: workspace, on: $0) }
            @Sendable func token(_ claims: [String: JSONValue] = [:]) throws -> String {
                let now = Date().timeIntervalSince1970
                var all: [String: JSONValue] = ["iss": "https://accounts.google.com", "aud": .string(audience), "iat": .number(now), "exp": .number(now + 600),
                                                "email": "push@p.iam.gserviceaccount.com", "email_verified": true]
                for (key, value) in claims { all[key] = value }
                return try JWT.sign(claims: .object(all), key: signer, kid: "k1")
            }
            let body = JSONValue.object(["message": ["data": .string(Data(#"{"event":"tiktok.posted"}"#.utf8).base64EncodedString()), "messageId": "m-1",
                                                     "attributes": ["workspace_id": .string(other.description)]], "subscription": .string(subscription)]).jsonString
            try await harness.withClient { client in
                for (claims, reason) in [(["aud": JSONValue.string("https://elsewhere")], "audience"), (["email": "evil@x.com"], "email"), (["exp": .number(1)], "expired")] {
                    let response = try await client.call(.post, "/webhooks/pubsub", raw: body, headers: [.authorization: "Bearer \(try token(claims))"])
                    #expect(response.status == 401 && response.json["error"]?["message"]?.stringValue?.contains(reason) == true, "\(reason): \(response.text)")
                }
                #expect(try await client.call(.post, "/webhooks/pubsub", raw: body).status == 401)
                #expect(try await Self.deliveries(workspace) == 0)
                let first = try await client.call(.post, "/webhooks/pubsub", raw: body, headers: [.authorization: "Bearer \(try token())"])
                #expect(first.status == 200 && first.json["status"] == "processed")
                let again = try await client.call(.post, "/webhooks/pubsub", raw: body, headers: [.authorization: "Bearer \(try token())"])
                #expect(again.json["status"] == "duplicate")
                #expect(try await Self.deliveries(workspace) == 1)
                #expect(try await Self.deliveries(other) == 0, "the message's own workspace attribute is ignored")
                let noSubscription = JSONValue.object(["message": ["data": "e30=", "messageId": "m-2"]]).jsonString
                #expect(try await client.call(.post, "/webhooks/pubsub", raw: noSubscription, headers: [.authorization: "Bearer \(try token())"]).status == 400)
                let unmapped = JSONValue.object(["message": ["data": "e30=", "messageId": "m-3"], "subscription": "projects/p/subscriptions/elsewhere"]).jsonString
                let refused = try await client.call(.post, "/webhooks/pubsub", raw: unmapped, headers: [.authorization: "Bearer \(try token())"])
                #expect(refused.status == 403 && refused.json["error"]?["code"] == "unknown_subscription")
            }
            await harness.stop()
        }
    }

    @Test func cloudTasksDeliveriesNeedTheTasksAccountAValidStepAndAreNotRunTwice() async throws {
        let keys = try OpenSSLKeys.make()
        let signer = try RSAKey(privateKeyPEM: keys.privatePEM)
        let jwks: JSONValue = ["keys": [["kty": "RSA", "kid": "k1", "alg": "RS256", "n": .string(Crypto.base64URLEncode(keys.modulus)), "e": "AQAB"]]]
        let certs = FakeServer { _, _ in .json(jwks, headers: ["cache-control": "max-age=600"]) }
        try await certs.run { base in
            let audience = "https://army.example"
            let account = "tasks@p.iam.gserviceaccount.com"
            @Sendable func token(_ email: String = account) throws -> String {
                let now = Date().timeIntervalSince1970
                return try JWT.sign(claims: ["iss": "https://accounts.google.com", "aud": .string(audience), "iat": .number(now), "exp": .number(now + 600),
                                             "email": .string(email), "email_verified": true], key: signer, kid: "k1")
            }
            let unconfigured = try APIHarness(environment: ["PUBLIC_BASE_URL": audience])
            try await unconfigured.withClient { client in
                let response = try await client.call(.post, "/internal/steps/run", raw: "{}", headers: [.authorization: "Bearer \(try token())"])
                #expect(response.status == 404 && response.json["error"]?["message"] == "CLOUD_TASKS_SERVICE_ACCOUNT is not set", "no sender configured: nothing is accepted")
            }
            await unconfigured.stop()
            let harness = try APIHarness(environment: ["PUBLIC_BASE_URL": audience, "CLOUD_TASKS_SERVICE_ACCOUNT": account, "GOOGLE_OIDC_CERTS_URL": base + "/certs"]) {
                $0.oidc = OIDCVerifier(certsURL: base + "/certs", transport: CurlTransport())
            }
            let (workspace, _) = try await APIHarness.workspace()
            let brief = try await APIHarness.store.database.withWorkspace(workspace) { try BriefRepository.create(NewBrief(handle: "@tasks", notes: nil), workspace: workspace, on: $0) }
            let run = try await harness.dependencies.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run.id
            _ = try await harness.waitForRun(run.description, workspace: workspace, until: [.succeeded])
            let finished = try await APIHarness.store.database.withWorkspace(workspace) { try StepRepository.list(run: run, on: $0) }.first!
            try await harness.withClient { client in
                let body = JSONValue.object(["step_id": .string(finished.id.description)]).jsonString
                let foreign = try await client.call(.post, "/internal/steps/run", raw: body, headers: [.authorization: "Bearer \(try token("other@p.iam.gserviceaccount.com"))"])
                #expect(foreign.status == 401 && foreign.json["error"]?["message"]?.stringValue?.contains("email") == true, "\(foreign.text)")
                let bad = try await client.call(.post, "/internal/steps/run", raw: #"{"step_id": "nope"}"#, headers: [.authorization: "Bearer \(try token())"])
                #expect(bad.status == 400 && bad.json["error"]?["message"] == "the body needs step_id")
                let again = try await client.call(.post, "/internal/steps/run", raw: body, headers: [.authorization: "Bearer \(try token())"])
                #expect(again.status == 409 && again.json["error"]?["code"] == "conflict", "a redelivered finished step is not run again: \(again.text)")
            }
            let after = try await APIHarness.store.database.withWorkspace(workspace) { try StepRepository.list(run: run, on: $0) }.first { $0.id == finished.id }
            #expect(after?.status == .succeeded && after?.attempt == finished.attempt)
            await harness.stop()
        }
    }
}
