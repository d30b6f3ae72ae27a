import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Persistence
import Providers
import TestSupport
import Testing

@testable import HTTPServer

@Suite(.serialized) struct WebhookTests {
    static let secret = "webhook-secret"

    static func signed(_ body: String, at time: Int = Int(Date().timeIntervalSince1970), key: String = secret) throws -> HTTPFields {
        let signature = try opensslHMAC(key: key, message: Data("\(time).\(body)".utf8))
        return [HTTPField.Name("tiktok-signature")!: "t=\(time),s=\(signature)"]
    }

    static func deliveries(_ workspace: WorkspaceID) async throws -> Int {
        try await APIHarness.store.database.withWorkspace(workspace) {
            try $0.query("SELECT count(*) AS n FROM tiktok_webhook_deliveries").first!.int("n")
        }
    }

    /// A delivery as the facts sheet documents it: the envelope, with `content` a serialized JSON
    /// string (here written by hand, so ids can be JSON numbers as TikTok may send them).
    static func envelope(_ event: String, openId: String, content: String) -> String {
        JSONValue.object([
            "client_key": "ck", "event": .string(event), "create_time": 1_800_000_000, "user_openid": .string(openId),
            "content": .string(content),
        ]).jsonString
    }

    static func commentUpdate(_ action: String, id: String, text: String? = nil, openId: String) -> String {
        let words = text.map { #","text":"\#($0)","unique_identifier":"fan1""# } ?? ""
        return envelope(
            "comment.update", openId: openId,
            content:
                #"{"comment_action":"\#(action)","comment_id":\#(id),"video_id":"7300000000000000001","create_time":1800000000\#(words)}"#)
    }

    static func account(_ workspace: WorkspaceID) async throws -> String {
        let openId = "7" + (0..<18).map { _ in String(Int.random(in: 0...9)) }.joined()
        try await APIHarness.store.database.withWorkspace(workspace) { c in
            let details = AccountRepository.Connect(
                kind: .tiktok, externalId: openId, handle: "@glowco", displayName: nil, scopes: [], expiresAt: nil, refreshExpiresAt: nil)
            _ = try AccountRepository.connect(
                id: UUID(), details, tokens: .init(access: Array(repeating: 1, count: 40), refresh: nil, keyId: "test"),
                workspace: workspace, on: c)
        }
        return openId
    }

    static func count(_ table: String, _ workspace: WorkspaceID) async throws -> Int {
        try await APIHarness.store.database.withWorkspace(workspace) {
            try $0.query("SELECT count(*) AS n FROM \(unescaped: table)").first!.int("n")
        }
    }

    @Test func businessCommentUpdatesAreVerifiedDeduplicatedAndOnlyAnInsertStartsAPostLaunchLoop() async throws {
        let harness = try APIHarness(environment: ["TIKTOK_BUSINESS_APP_SECRET": Self.secret])
        let (workspace, _) = try await APIHarness.workspace()
        let openId = try await Self.account(workspace)
        @Sendable func comments() async throws -> [String: String] {
            try await APIHarness.store.database.withWorkspace(workspace) { c in
                Dictionary(
                    uniqueKeysWithValues: try c.query("SELECT external_id, visibility FROM tiktok_comments").rows.map {
                        (try $0.string("external_id"), try $0.string("visibility"))
                    })
            }
        }
        let insert = Self.commentUpdate("insert", id: "7106594312292453675", text: "Where can I buy this?", openId: openId)
        try await harness.withClient { client in
            func send(_ body: String, headers: HTTPFields? = nil) async throws -> (status: Int, json: JSONValue) {
                let response = try await client.call(
                    .post, "/webhooks/tiktok-business", raw: body, headers: try headers ?? Self.signed(body))
                return (response.status, response.json)
            }
            let forged = try await send(insert, headers: try Self.signed(insert, key: "not-the-secret"))
            #expect(forged.status == 401 && forged.json["error"]?["code"] == "unauthorized")
            let stale = try await send(insert, headers: try Self.signed(insert, at: Int(Date().timeIntervalSince1970) - 600))
            #expect(stale.status == 401 && stale.json["error"]?["message"]?.stringValue?.contains("stale") == true)
            #expect(try await send(insert, headers: [:]).status == 401)
            #expect(try await Self.deliveries(workspace) == 0, "nothing is stored for a refused delivery")

            // A delete and a hide, one overtaking the insert it refers to: no comment to answer, no loop.
            let deleted = try await send(Self.commentUpdate("delete", id: "7106594312292450001", openId: openId))
            #expect(deleted.status == 200 && deleted.json["comment_action"] == "delete" && deleted.json["started_run_id"] == .null)
            let late = try await send(Self.commentUpdate("insert", id: "7106594312292450001", text: "rude", openId: openId))
            #expect(late.status == 200 && late.json["started_run_id"] == .null, "a deleted comment does not come back")
            #expect(
                try await send(Self.commentUpdate("insert", id: "\"c-2\"", text: "spam", openId: openId)).json["started_run_id"] != .null)
            let hidden = try await send(Self.commentUpdate("set_to_hidden", id: "\"c-2\"", openId: openId))
            #expect(hidden.status == 200 && hidden.json["comment_action"] == "set_to_hidden")
            // (The run that c-2 started may add comments it polls itself; only these ids are ours.)
            let seen = try await comments()
            #expect(seen["7106594312292450001"] == "deleted" && seen["c-2"] == "hidden" && seen["7106594312292453675"] == nil, "\(seen)")
            let runsBefore = try await Self.count("tiktok_workflow_runs", workspace)
            #expect(runsBefore == 1, "only the insert of c-2 started a run")

            let first = try await send(insert)
            #expect(first.status == 200 && first.json["status"] == "processed" && first.json["comment_id"] == "7106594312292453675")
            let replay = try await send(insert)
            #expect(replay.status == 200 && replay.json["status"] == "duplicate" && replay.json["started_run_id"] == nil)
            #expect(try await Self.count("tiktok_workflow_runs", workspace) == runsBefore, "a loop is open, and a duplicate starts nothing")
            #expect(try await comments()["7106594312292453675"] == "public", "a 19-digit numeric id is kept to the digit")

            let unknown = try await send(Self.commentUpdate("set_to_pinned", id: "\"c-3\"", openId: openId))
            #expect(
                unknown.status == 200 && unknown.json["status"] == "ignored", "an action TikTok adds later is stored, not retried for 72 h")
            let noId = try await send(Self.envelope("comment.update", openId: openId, content: #"{"comment_action":"insert"}"#))
            #expect(noId.status == 400 && noId.json["error"]?["message"] == "comment.update needs content.comment_id")
            let notJSON = try await send(Self.envelope("comment.update", openId: openId, content: "not json"))
            #expect(notJSON.status == 400 && notJSON.json["error"]?["message"] == "content must be a serialized JSON object")
            #expect(try await comments()["c-3"] == nil, "an unknown action stores no comment")

            let oversized = String(repeating: "x", count: 300_000)
            #expect(try await send(oversized).status == 413)
            #expect(try await send(Self.commentUpdate("insert", id: "1", text: "hi", openId: "nobody")).json["status"] == "ignored")
        }
        await harness.stop()
    }

    @Test func loginKitEventsAreStoredOnceAndCarryNoComments() async throws {
        let harness = try APIHarness(environment: ["TIKTOK_CLIENT_SECRET": Self.secret])
        let (workspace, _) = try await APIHarness.workspace()
        let openId = try await Self.account(workspace)
        let published = Self.envelope(
            "post.publish.complete", openId: openId,
            content: #"{"publish_id":"v_pub_1","publish_type":"DIRECT_PUBLISH","post_id":"7300000000000000002"}"#)
        let comment = Self.commentUpdate("insert", id: "\"c-9\"", text: "hello", openId: openId)
        try await harness.withClient { client in
            let first = try await client.call(.post, "/webhooks/tiktok", raw: published, headers: try Self.signed(published))
            #expect(first.status == 200 && first.json["status"] == "processed" && first.json["event"] == "post.publish.complete")
            let again = try await client.call(.post, "/webhooks/tiktok", raw: published, headers: try Self.signed(published))
            #expect(again.json["status"] == "duplicate")
            let misrouted = try await client.call(.post, "/webhooks/tiktok", raw: comment, headers: try Self.signed(comment))
            #expect(misrouted.status == 200 && misrouted.json["status"] == "ignored")
            let business = try await client.call(.post, "/webhooks/tiktok-business", raw: comment, headers: try Self.signed(comment))
            #expect(business.status == 404 && business.json["error"]?["message"] == "TIKTOK_BUSINESS_APP_SECRET is not set")
        }
        #expect(try await Self.deliveries(workspace) == 2)
        let comments = try await Self.count("tiktok_comments", workspace)
        let runs = try await Self.count("tiktok_workflow_runs", workspace)
        #expect(comments == 0 && runs == 0)
        await harness.stop()
    }

    @Test func authorizationRemovedMarksTheAccountForReconnection() async throws {
        let harness = try APIHarness(environment: ["TIKTOK_CLIENT_SECRET": Self.secret])
        let (workspace, key) = try await APIHarness.workspace()
        let openId = try await Self.account(workspace)
        let removed = Self.envelope("authorization.removed", openId: openId, content: #"{"reason":1}"#)
        try await harness.withClient { client in
            let response = try await client.call(.post, "/webhooks/tiktok", raw: removed, headers: try Self.signed(removed))
            #expect(response.status == 200 && response.json["accounts_marked"] == 1)
            let again = try await client.call(.post, "/webhooks/tiktok", raw: removed, headers: try Self.signed(removed))
            #expect(again.json["status"] == "duplicate")
            let listed = try await client.call(.get, "/api/dashboard/accounts", key: key)
            let account = try #require(listed.json["items"]?.arrayValue?.first)
            #expect(account["status"] == "needs_reauth" && account["last_error"] == "authorization removed on TikTok (1)")
            #expect(account["external_id"] == .string(openId), "the 19-digit open_id is answered exactly, as a string")
        }
        await harness.stop()
    }

    @Test func withoutASecretTheTikTokWebhookIsUnavailable() async throws {
        let harness = try APIHarness()
        try await harness.withClient { client in
            let response = try await client.call(.post, "/webhooks/tiktok", raw: "{}")
            #expect(
                response.status == 404 && response.json["error"]?["code"] == "not_configured"
                    && response.json["error"]?["message"] == "TIKTOK_CLIENT_SECRET is not set")
        }
        await harness.stop()
    }

    @Test func pubsubPushesNeedAVerifiedTokenAndAreIdempotent() async throws {
        let keys = try OpenSSLKeys.make()
        let signer = try RSAKey(privateKeyPEM: keys.privatePEM)
        let jwks: JSONValue = [
            "keys": [["kty": "RSA", "kid": "k1", "alg": "RS256", "n": .string(Crypto.base64URLEncode(keys.modulus)), "e": "AQAB"]]
        ]
        let certs = FakeServer { _, _ in .json(jwks, headers: ["cache-control": "max-age=600"]) }
        try await certs.run { base in
            let audience = "https://army.example/webhooks/pubsub"
            let harness = try APIHarness(environment: [
                "PUBSUB_PUSH_AUDIENCE": audience, "PUBSUB_PUSH_SERVICE_ACCOUNT": "push@p.iam.gserviceaccount.com",
                "GOOGLE_OIDC_CERTS_URL": base + "/certs",
            ]) { $0.oidc = OIDCVerifier(certsURL: base + "/certs", transport: CurlTransport()) }
            let (workspace, _) = try await APIHarness.workspace()
            let (other, _) = try await APIHarness.workspace()
            let subscription = "projects/p/subscriptions/s-\(UUID().uuidString.prefix(8))"
            try await APIHarness.store.database.withWorkspace(workspace) {
                try WorkspaceRepository.mapSubscription(subscription, workspace: workspace, on: $0)
            }
            @Sendable func token(_ claims: [String: JSONValue] = [:]) throws -> String {
                let now = Date().timeIntervalSince1970
                var all: [String: JSONValue] = [
                    "iss": "https://accounts.google.com", "aud": .string(audience), "iat": .number(now), "exp": .number(now + 600),
                    "email": "push@p.iam.gserviceaccount.com", "email_verified": true,
                ]
                for (key, value) in claims { all[key] = value }
                return try JWT.sign(claims: .object(all), key: signer, kid: "k1")
            }
            let body = JSONValue.object([
                "message": [
                    "data": .string(Data(#"{"event":"tiktok.posted"}"#.utf8).base64EncodedString()), "messageId": "m-1",
                    "attributes": ["workspace_id": .string(other.description)],
                ], "subscription": .string(subscription),
            ]).jsonString
            try await harness.withClient { client in
                for (claims, reason) in [
                    (["aud": JSONValue.string("https://elsewhere")], "audience"), (["email": "evil@x.com"], "email"),
                    (["exp": .number(1)], "expired"),
                ] {
                    let response = try await client.call(
                        .post, "/webhooks/pubsub", raw: body, headers: [.authorization: "Bearer \(try token(claims))"])
                    #expect(
                        response.status == 401 && response.json["error"]?["message"]?.stringValue?.contains(reason) == true,
                        "\(reason): \(response.text)")
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
                #expect(
                    try await client.call(
                        .post, "/webhooks/pubsub", raw: noSubscription, headers: [.authorization: "Bearer \(try token())"]
                    ).status == 400)
                let unmapped = JSONValue.object([
                    "message": ["data": "e30=", "messageId": "m-3"], "subscription": "projects/p/subscriptions/elsewhere",
                ]).jsonString
                let refused = try await client.call(
                    .post, "/webhooks/pubsub", raw: unmapped, headers: [.authorization: "Bearer \(try token())"])
                #expect(refused.status == 403 && refused.json["error"]?["code"] == "unknown_subscription")
            }
            await harness.stop()
        }
    }

    @Test func cloudTasksDeliveriesNeedTheTasksAccountAValidStepAndAreNotRunTwice() async throws {
        let keys = try OpenSSLKeys.make()
        let signer = try RSAKey(privateKeyPEM: keys.privatePEM)
        let jwks: JSONValue = [
            "keys": [["kty": "RSA", "kid": "k1", "alg": "RS256", "n": .string(Crypto.base64URLEncode(keys.modulus)), "e": "AQAB"]]
        ]
        let certs = FakeServer { _, _ in .json(jwks, headers: ["cache-control": "max-age=600"]) }
        try await certs.run { base in
            let audience = "https://army.example"
            let account = "tasks@p.iam.gserviceaccount.com"
            @Sendable func token(_ email: String = account) throws -> String {
                let now = Date().timeIntervalSince1970
                return try JWT.sign(
                    claims: [
                        "iss": "https://accounts.google.com", "aud": .string(audience), "iat": .number(now), "exp": .number(now + 600),
                        "email": .string(email), "email_verified": true,
                    ], key: signer, kid: "k1")
            }
            let unconfigured = try APIHarness(environment: ["PUBLIC_BASE_URL": audience])
            try await unconfigured.withClient { client in
                let response = try await client.call(
                    .post, "/internal/steps/run", raw: "{}", headers: [.authorization: "Bearer \(try token())"])
                #expect(
                    response.status == 404 && response.json["error"]?["message"] == "CLOUD_TASKS_SERVICE_ACCOUNT is not set",
                    "no sender configured: nothing is accepted")
            }
            await unconfigured.stop()
            let harness = try APIHarness(environment: [
                "PUBLIC_BASE_URL": audience, "CLOUD_TASKS_SERVICE_ACCOUNT": account, "GOOGLE_OIDC_CERTS_URL": base + "/certs",
            ]) {
                $0.oidc = OIDCVerifier(certsURL: base + "/certs", transport: CurlTransport())
            }
            let (workspace, _) = try await APIHarness.workspace()
            let brief = try await APIHarness.store.database.withWorkspace(workspace) {
                try BriefRepository.create(NewBrief(handle: "@tasks", notes: nil), workspace: workspace, on: $0)
            }
            let run = try await harness.dependencies.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace)
                .run.id
            _ = try await harness.waitForRun(run.description, workspace: workspace, until: [.succeeded])
            let finished = try await APIHarness.store.database.withWorkspace(workspace) { try StepRepository.list(run: run, on: $0) }.first!
            try await harness.withClient { client in
                let body = JSONValue.object(["step_id": .string(finished.id.description)]).jsonString
                let foreign = try await client.call(
                    .post, "/internal/steps/run", raw: body,
                    headers: [.authorization: "Bearer \(try token("other@p.iam.gserviceaccount.com"))"])
                #expect(
                    foreign.status == 401 && foreign.json["error"]?["message"]?.stringValue?.contains("email") == true, "\(foreign.text)")
                let bad = try await client.call(
                    .post, "/internal/steps/run", raw: #"{"step_id": "nope"}"#, headers: [.authorization: "Bearer \(try token())"])
                #expect(bad.status == 400 && bad.json["error"]?["message"] == "the body needs step_id")
                let again = try await client.call(
                    .post, "/internal/steps/run", raw: body, headers: [.authorization: "Bearer \(try token())"])
                #expect(
                    again.status == 409 && again.json["error"]?["code"] == "conflict",
                    "a redelivered finished step is not run again: \(again.text)")
            }
            let after = try await APIHarness.store.database.withWorkspace(workspace) { try StepRepository.list(run: run, on: $0) }.first {
                $0.id == finished.id
            }
            #expect(after?.status == .succeeded && after?.attempt == finished.attempt)
            await harness.stop()
        }
    }
}
