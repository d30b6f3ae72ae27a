import Core
import Foundation
import Persistence
import TestSupport
import Testing

@testable import HTTPServer

@Suite struct AccountsAPITests {
    static func connected(_ workspace: WorkspaceID, handle: String = "@glowco") async throws -> ConnectedAccount {
        try await APIHarness.store.database.withWorkspace(workspace) { c in
            let details = AccountRepository.Connect(
                kind: .tiktok, externalId: "7" + (0..<18).map { _ in String(Int.random(in: 0...9)) }.joined(), handle: handle,
                displayName: "Glow Co", scopes: ["user.info.basic"], expiresAt: Date().addingTimeInterval(7200), refreshExpiresAt: nil)
            return try AccountRepository.connect(
                id: UUID(), details, tokens: .init(access: Array(repeating: 9, count: 40), refresh: nil, keyId: "test"),
                workspace: workspace, on: c)
        }
    }

    @Test func liveModeRefusesABriefForAnOwnAccountThatIsNotConnected() async throws {
        let harness = try APIHarness(environment: ["TIKTOK_PROVIDER_MODE": "live", "TIKTOK_CLIENT_KEY": "ck", "TIKTOK_CLIENT_SECRET": "cs"])
        let (workspace, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let refused = try await client.call(.post, "/api/dashboard/briefs", key: key, json: ["handle": "@glowco"])
            #expect(refused.status == 409 && refused.json["error"]?["code"] == "account_not_connected")
            #expect(refused.json["error"]?["message"]?.stringValue?.hasPrefix("@glowco is not connected in this workspace") == true)
            let competitor = try await client.call(
                .post, "/api/dashboard/briefs", key: key, json: ["handle": "@rival", "target_type": "competitor"])
            #expect(competitor.status == 201, "a competitor brief needs no connection of its own")
            let account = try await Self.connected(workspace)
            let byHandle = try await client.call(.post, "/api/dashboard/briefs", key: key, json: ["handle": "glowco"])
            #expect(
                byHandle.status == 201 && byHandle.json["account_id"] == .string(account.id.uuidString.lowercased()), "ids are lowercase")
            let byId = try await client.call(.post, "/api/dashboard/briefs", key: key, json: ["account_id": .string(account.id.uuidString)])
            #expect(byId.status == 201 && byId.json["handle"] == "@glowco")
            let wrong = try await client.call(.post, "/api/dashboard/briefs", key: key, json: ["account_id": .string(UUID().uuidString)])
            #expect(
                wrong.status == 400 && wrong.json["error"]?["message"] == "account_id names no connected TikTok account in this workspace")
        }
        let briefs = try await APIHarness.store.database.withWorkspace(workspace) {
            try $0.query("SELECT count(*) AS n FROM tiktok_briefs").first!.int("n")
        }
        #expect(briefs == 3, "the refused briefs wrote nothing")
        await harness.stop()
    }

    @Test func accountsAreListedWithoutTokensAndDisconnectedByAnAdmin() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        let viewer = try await APIHarness.store.database.withWorkspace(workspace) {
            try WorkspaceRepository.issueKey(workspace: workspace, name: "intern", role: .viewer, on: $0).plaintext
        }
        let account = try await Self.connected(workspace)
        try await harness.withClient { client in
            let listed = try await client.call(.get, "/api/dashboard/accounts", key: key)
            let item = try #require(listed.json["items"]?.arrayValue?.first)
            #expect(listed.status == 200 && item["handle"] == "@glowco" && item["external_id"] == .string(account.externalId))
            #expect(item["missing_scopes"] == ["user.info.profile", "user.info.stats", "video.list", "video.publish"])
            #expect(!listed.text.contains("token\":") && !listed.text.contains("CQkJ"), "no token field, no sealed bytes")
            let forbidden = try await client.call(.get, "/api/dashboard/accounts", key: viewer)
            #expect(forbidden.status == 403)
            let gone = try await client.call(.delete, "/api/dashboard/accounts/\(account.id.uuidString.lowercased())", key: key)
            #expect(gone.status == 200 && gone.json["status"] == "disconnected")
            let again = try await client.call(.delete, "/api/dashboard/accounts/\(account.id.uuidString.lowercased())", key: key)
            #expect(again.status == 200 && again.json["status"] == "disconnected", "disconnecting twice changes nothing")
            let missing = try await client.call(.delete, "/api/dashboard/accounts/\(UUID().uuidString)", key: key)
            #expect(missing.status == 404)
            let bad = try await client.call(.delete, "/api/dashboard/accounts/not-a-uuid", key: key)
            #expect(bad.status == 400)
        }
        await harness.stop()
    }

    @Test func theMockConsentPageSendsTheBrowserOnlyToThisServersCallback() async throws {
        let harness = try APIHarness()
        try await harness.withClient { client in
            let query = "kind=tiktok&state=s1&handle=glowco&decision=allow&redirect_uri="
            let elsewhere = try await client.call(
                .get, "/accounts/mock-consent/answer?" + query + "https%3A%2F%2Fevil.example%2Faccounts%2Fcallback%2Ftiktok")
            #expect(elsewhere.status == 400 && elsewhere.headers[.location] == nil, "no open redirect")
            let own = try await client.call(.get, "/accounts/mock-consent/answer?" + query + "%2Faccounts%2Fcallback%2Ftiktok")
            #expect(own.status == 303)
            #expect(own.headers[.location]?.hasPrefix("/accounts/callback/tiktok?code=mock.tiktok.") == true)
            #expect(own.headers[.location]?.hasSuffix("&state=s1") == true)
            let denied = try await client.call(
                .get,
                "/accounts/mock-consent/answer?" + query.replacingOccurrences(of: "allow", with: "deny") + "%2Faccounts%2Fcallback%2Ftiktok"
            )
            #expect(denied.headers[.location]?.contains("error=access_denied") == true)
        }
        await harness.stop()
    }
}
