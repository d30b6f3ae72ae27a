import Core
import Foundation
import Logging
import Persistence
import Providers
import TestSupport
import Testing

@testable import Agents

/// Connected accounts on the real test database against the TikTok fake over loopback libcurl.
@Suite struct AccountServiceTests {
    /// Fresh 19-digit open_ids per test: an account's open_id belongs to one workspace of the
    /// shared test database.
    static var users: [TikTokFake.User] {
        [
            TikTokFake.User(
                username: "glowco", openId: AccountFlows.openId(), followers: 120_000, videoIds: ["7306594312292453675"],
                grantedScopes: ["user.info.basic", "video.list"]),
            TikTokFake.User(
                username: "rival", openId: AccountFlows.openId(), followers: 50_000, videoIds: ["7306594312292450002"],
                grantedScopes: ["video.list"]),
        ]
    }
    static let redirect = "https://army.example/accounts/callback/tiktok"

    static func service(
        _ base: String, _ fake: TikTokFake, clock: Clock = .system, owner: String = "test-\(UUID())",
        database: Database = TestDatabase.database
    ) -> AccountService {
        AccountService(
            database: database,
            authorizer: LiveAccountAuthorizer(
                apps: AccountFlows.apps(base, fake), transport: CurlTransport(), retry: RetryPolicy(maxRetries: 0)),
            cipher: AccountFlows.cipher, clock: clock, logger: Logger(label: "accounts-test"), owner: owner)
    }

    /// Runs the connect flow as the browser would: start, consent at the fake, callback.
    static func connect(_ service: AccountService, _ fake: TikTokFake, _ user: String, session: String, workspace: WorkspaceID) async throws
        -> ConnectedAccount
    {
        let url = try await service.start(.tiktok, session: session, redirectURI: redirect, workspace: workspace)
        let state = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "state" }?.value)
        return try await service.finish(
            state: state, code: fake.authorize(user, redirectURI: redirect), error: nil, errorDescription: nil, session: session,
            redirectURI: redirect)
    }

    @Test func connectingStoresTheGrantedScopesAndTheTokensOnlySealed() async throws {
        let fake = TikTokFake(users: Self.users)
        let server = FakeServer { request, _ in fake.reply(request) }
        let (workspace, _) = try await TestDatabase.workspace()
        try await server.run { base in
            let service = Self.service(base, fake)
            let account = try await Self.connect(service, fake, "glowco", session: "session-1", workspace: workspace)
            #expect(account.handle == "@glowco" && account.externalId.count == 19 && account.status == .active)
            #expect(account.externalId == fake.openId(of: "glowco"), "the 19-digit open_id is stored exactly")
            #expect(account.scopes == ["user.info.basic", "video.list"])
            #expect(account.missingScopes == ["user.info.profile", "user.info.stats", "video.publish"], "what was not granted is named")
            let token = try #require(fake.liveAccessTokens.first)
            let row = try await TestDatabase.database.withWorkspace(workspace) { c in
                try c.query("SELECT t::text AS row, encode(t.access_token, 'hex') AS hex FROM tiktok_accounts t").first!
            }
            let text = try row.string("row") + (try row.string("hex"))
            #expect(!text.contains(token) && !text.contains(Crypto.hex(Array(token.utf8))), "the row holds no token bytes")
            let listed = try await service.list(workspace: workspace)
            #expect(listed.map(\.id) == [account.id])
            let credential = try await service.directory(workspace).credential(.tiktok, handle: "@glowco")
            #expect(credential.accessToken == token, "the sealed token opens to the granted one")
        }
    }

    @Test func aStateIsSingleUseBoundToItsSessionAndExpires() async throws {
        let fake = TikTokFake(users: Self.users)
        let server = FakeServer { request, _ in fake.reply(request) }
        let (workspace, _) = try await TestDatabase.workspace()
        try await server.run { base in
            let service = Self.service(base, fake)
            func state(_ service: AccountService, session: String) async throws -> String {
                let url = try await service.start(.tiktok, session: session, redirectURI: Self.redirect, workspace: workspace)
                return try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "state" }?.value)
            }
            func finish(_ state: String?, session: String, error: String? = nil) async -> String? {
                do {
                    _ = try await service.finish(
                        state: state, code: fake.authorize("glowco", redirectURI: Self.redirect), error: error, errorDescription: nil,
                        session: session, redirectURI: Self.redirect)
                    return nil
                } catch { return "\(error)" }
            }
            let used = try await state(service, session: "s1")
            #expect(await finish(used, session: "s1") == nil)
            #expect(await finish(used, session: "s1")?.contains("already used") == true)
            #expect(await finish(try await state(service, session: "s1"), session: "s2")?.contains("another browser session") == true)
            #expect(await finish("forged", session: "s1")?.contains("not one we issued") == true)
            #expect(await finish(nil, session: "s1")?.contains("no state") == true)
            let stale = try await state(Self.service(base, fake, clock: Clock { Date().addingTimeInterval(-660) }), session: "s1")
            #expect(await finish(stale, session: "s1")?.contains("expired") == true)
            #expect(
                await finish(try await state(service, session: "s1"), session: "s1", error: "access_denied")?.contains("you declined")
                    == true)
        }
        let accounts = try await TestDatabase.database.withWorkspace(workspace) { try AccountRepository.list(on: $0) }
        #expect(accounts.count == 1, "only the one good callback stored an account")
    }

    @Test func anExpiringTokenIsRefreshedAndTheRotatedRefreshTokenIsTheOneStored() async throws {
        let fake = TikTokFake(users: Self.users)
        fake.accessLifetime = 60
        let server = FakeServer { request, _ in fake.reply(request) }
        let (workspace, _) = try await TestDatabase.workspace()
        try await server.run { base in
            let service = Self.service(base, fake)
            let account = try await Self.connect(service, fake, "glowco", session: "s", workspace: workspace)
            let first = try #require(fake.liveRefreshTokens.first)
            let credential = try await service.directory(workspace).credential(.tiktok, handle: "@glowco")
            #expect(fake.refreshes == 1, "a token expiring within the margin is refreshed before use")
            #expect(fake.liveAccessTokens.contains(credential.accessToken))
            let stored = try #require(
                try await TestDatabase.database.withWorkspace(workspace) { try AccountRepository.find(account.id, on: $0) })
            let refresh = try AccountFlows.cipher.open(
                stored.tokens!.refresh!, keyId: stored.tokens!.keyId, binding: account.id.uuidString.lowercased())
            #expect(refresh != first && fake.liveRefreshTokens == [refresh], "the stored refresh token is the rotated one")
        }
    }

    @Test func twoProcessesRefreshingAtOnceEndWithOneValidPair() async throws {
        let fake = TikTokFake(users: Self.users)
        fake.accessLifetime = 60
        let server = FakeServer { request, _ in fake.reply(request) }
        let (workspace, _) = try await TestDatabase.workspace()
        try await server.run { base in
            let (a, b) = (Self.service(base, fake, owner: "process-a"), Self.service(base, fake, owner: "process-b"))
            let account = try await Self.connect(a, fake, "glowco", session: "s", workspace: workspace)
            // Both see the same due token and both ask for a credential.
            async let left = a.directory(workspace).credential(.tiktok, handle: "@glowco")
            async let right = b.directory(workspace).credential(.tiktok, handle: "@glowco")
            let (x, y) = try await (left, right)
            #expect(fake.refreshes == 1, "one process spent the refresh token; the other waited for its pair")
            #expect(x.accessToken == y.accessToken && fake.liveAccessTokens.contains(x.accessToken))
            let stored = try #require(
                try await TestDatabase.database.withWorkspace(workspace) { try AccountRepository.find(account.id, on: $0) })
            let refresh = try AccountFlows.cipher.open(
                stored.tokens!.refresh!, keyId: stored.tokens!.keyId, binding: account.id.uuidString.lowercased())
            #expect(fake.liveRefreshTokens == [refresh], "the stored refresh token is the one that still works: the account is not lost")
        }
    }

    @Test func aRefusedRefreshOrARemovedAuthorizationAsksForReconnection() async throws {
        let fake = TikTokFake(users: Self.users)
        let server = FakeServer { request, _ in fake.reply(request) }
        let (workspace, _) = try await TestDatabase.workspace()
        try await server.run { base in
            let service = Self.service(base, fake)
            let account = try await Self.connect(service, fake, "glowco", session: "s", workspace: workspace)
            #expect(try await service.authorizationRemoved(openId: account.externalId, reason: "0", workspace: workspace) == 1)
            let error = await #expect(throws: ProviderError.self) {
                try await service.directory(workspace).credential(.tiktok, handle: "@glowco")
            }
            #expect(error?.code == "needs_reauth" && error?.message.hasPrefix("reconnect @glowco on the Accounts page") == true)
            let rival = try await Self.connect(service, fake, "rival", session: "s", workspace: workspace)
            for token in fake.liveRefreshTokens {
                _ = try await LiveAccountAuthorizer(apps: AccountFlows.apps(base, fake), transport: CurlTransport()).refresh(
                    .tiktok, refreshToken: token)
            }
            let refused = await #expect(throws: ProviderError.self) { try await service.refresh(rival.id, workspace: workspace) }
            #expect(refused?.code == "needs_reauth")
            let listed = try await service.list(workspace: workspace)
            #expect(listed.first { $0.id == rival.id }?.status == .needsReauth)
            #expect(listed.first { $0.id == rival.id }?.lastError?.contains("invalid_grant") == true)
        }
    }

    /// Rotation re-seals every workspace's tokens: the test's own are sealed under a key of
    /// their own and rotated onto the key every other test uses, so no other test is disturbed.
    @Test func rotatingTheKeyReSealsEveryWorkspacesTokensSoTheNewKeyAloneOpensThem() async throws {
        let fake = TikTokFake(users: Self.users)
        let server = FakeServer { request, _ in fake.reply(request) }
        let (first, _) = try await TestDatabase.workspace()
        let (second, _) = try await TestDatabase.workspace()
        try await server.run { base in
            let oldKey = Crypto.randomBytes(32)
            var old = Self.service(base, fake)
            old.cipher = try TokenCipher(key: oldKey)
            _ = try await Self.connect(old, fake, "glowco", session: "s", workspace: first)
            _ = try await Self.connect(old, fake, "rival", session: "s", workspace: second)
            let tokens = [
                try await old.directory(first).credential(.tiktok, handle: "@glowco").accessToken,
                try await old.directory(second).credential(.tiktok, handle: "@rival").accessToken,
            ]
            var rotating = old
            rotating.cipher = try TokenCipher(key: AccountFlows.cipherKey, previous: [oldKey])
            #expect(try await rotating.rotateKey().resealed == 2, "both workspaces' accounts were re-sealed")
            #expect(try await rotating.rotateKey().resealed == 0, "a second rotation has nothing left to do")
            let fresh = Self.service(base, fake)
            #expect(try await fresh.directory(first).credential(.tiktok, handle: "@glowco").accessToken == tokens[0])
            #expect(try await fresh.directory(second).credential(.tiktok, handle: "@rival").accessToken == tokens[1])
            let stale = await #expect(throws: (any Error).self) {
                try await old.directory(first).credential(.tiktok, handle: "@glowco")
            }
            #expect("\(stale!)".contains("no token key with id"), "the old key alone no longer opens them")
        }
    }

    @Test func anAccountBelongsToOneWorkspaceAndDisconnectRevokesIt() async throws {
        let fake = TikTokFake(users: Self.users)
        let server = FakeServer { request, _ in fake.reply(request) }
        let (first, _) = try await TestDatabase.workspace()
        let (second, _) = try await TestDatabase.workspace()
        try await server.run { base in
            let service = Self.service(base, fake)
            let account = try await Self.connect(service, fake, "glowco", session: "s", workspace: first)
            let refused = await #expect(throws: AccountFlowError.self) {
                try await Self.connect(service, fake, "glowco", session: "s", workspace: second)
            }
            #expect(refused?.message.contains("already connected to another workspace") == true)
            #expect(try await service.list(workspace: second).isEmpty)
            let token = try await service.directory(first).credential(.tiktok, handle: "@glowco").accessToken
            let gone = try await service.disconnect(account.id, workspace: first)
            #expect(gone?.status == .disconnected && fake.revokedTokens == [token])
            let again = try await Self.connect(service, fake, "glowco", session: "s", workspace: second)
            #expect(again.workspaceId == second, "once disconnected, another workspace may connect it")
        }
    }
}
