import Core
import Foundation
import Providers
import TestSupport
import Testing

/// A fixed directory of credentials, refreshing through the fake like the account service does.
final class FixedDirectory: AccountDirectory, @unchecked Sendable {
    let lock = NSLock()
    var credentials: [AccountKind: [AccountCredential]]
    var refreshedCount = 0
    let renew: @Sendable (AccountCredential) async throws -> AccountCredential

    init(_ credentials: [AccountCredential], renew: @escaping @Sendable (AccountCredential) async throws -> AccountCredential = { $0 }) {
        self.credentials = Dictionary(grouping: credentials, by: \.kind)
        self.renew = renew
    }

    func credential(_ kind: AccountKind, handle: String?) async throws -> AccountCredential {
        let all = lock.withLock { credentials[kind] ?? [] }
        guard let found = handle.map({ h in all.first { $0.handle.lowercased() == h.lowercased() } }) ?? all.first else {
            throw ProviderError.notConnected(kind, handle)
        }
        return found
    }

    func handles(_ kind: AccountKind) async throws -> [String] { lock.withLock { (credentials[kind] ?? []).map(\.handle) } }

    func refreshed(_ credential: AccountCredential) async throws -> AccountCredential {
        let renewed = try await renew(credential)
        lock.withLock {
            refreshedCount += 1
            credentials[credential.kind] = (credentials[credential.kind] ?? []).map { $0.accountId == credential.accountId ? renewed : $0 }
        }
        return renewed
    }
}

@Suite struct AccountAuthorizerTests {
    static let users = [
        TikTokFake.User(
            username: "glowco", openId: "7106594312292453675", followers: 120_000, videoIds: ["7306594312292453675"],
            commentIds: ["7406594312292453675"], grantedScopes: ["user.info.basic", "video.list"])
    ]

    static func apps(_ base: String, _ fake: TikTokFake) -> OAuthApps {
        OAuthApps(
            tiktokAuthURL: "https://www.tiktok.com/v2/auth/authorize/", tiktokOpenAPIBaseURL: base, tiktokClientKey: fake.clientKey,
            tiktokClientSecret: fake.clientSecret, businessAuthURL: "https://business.example/auth?app=1",
            adsAuthURL: "https://ads.example/auth",
            businessAPIBaseURL: base + "/open_api/v1.3", businessAppId: fake.appId, businessAppSecret: fake.appSecret)
    }

    @Test func theConsentURLCarriesTheDocumentedParameters() throws {
        let fake = TikTokFake(users: [])
        let authorizer = LiveAccountAuthorizer(apps: Self.apps("http://127.0.0.1:1", fake), transport: CurlTransport())
        let url = try #require(authorizer.authorizeURL(.tiktok, state: "s t", redirectURI: "https://army.example/accounts/callback/tiktok"))
        let components = try #require(URLComponents(string: url))
        let query = Dictionary(uniqueKeysWithValues: (components.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        #expect(components.host == "www.tiktok.com" && components.path == "/v2/auth/authorize/")
        #expect(query["client_key"] == fake.clientKey && query["response_type"] == "code" && query["state"] == "s t")
        #expect(query["scope"] == "user.info.basic,user.info.profile,user.info.stats,video.list,video.publish")
        #expect(query["redirect_uri"] == "https://army.example/accounts/callback/tiktok")
        #expect(authorizer.authorizeURL(.shopify, state: "s", redirectURI: "r") == nil)
    }

    @Test func theCodeExchangeAndARefreshRotateTheTokens() async throws {
        let fake = TikTokFake(users: Self.users)
        let server = FakeServer { request, _ in fake.reply(request) }
        try await server.run { base in
            let authorizer = LiveAccountAuthorizer(apps: Self.apps(base, fake), transport: CurlTransport())
            let redirect = "https://army.example/accounts/callback/tiktok"
            let code = fake.authorize("glowco", redirectURI: redirect)
            let grant = try await authorizer.exchange(.tiktok, code: code, redirectURI: redirect)
            #expect(grant.externalId == "7106594312292453675", "a 19-digit open_id stays exact")
            #expect(grant.scopes == ["user.info.basic", "video.list"] && grant.expiresIn == 7200 && grant.refreshExpiresIn == 15_552_000)
            let reused = await #expect(throws: ProviderError.self) {
                try await authorizer.exchange(.tiktok, code: code, redirectURI: redirect)
            }
            #expect(reused?.code == "invalid_grant")
            let identity = try await authorizer.identity(.tiktok, grant: grant)
            #expect(identity.handle == "@glowco" && identity.displayName == "Glowco")
            let renewed = try await authorizer.refresh(.tiktok, refreshToken: try #require(grant.refreshToken))
            #expect(renewed.refreshToken != grant.refreshToken && renewed.accessToken != grant.accessToken)
            let stale = await #expect(throws: ProviderError.self) {
                try await authorizer.refresh(.tiktok, refreshToken: grant.refreshToken!)
            }
            #expect(stale?.code == "invalid_grant", "the used refresh token no longer works")
            try await authorizer.revoke(.tiktok, accessToken: renewed.accessToken)
            #expect(fake.revokedTokens == [renewed.accessToken])
        }
        let token = try #require(server.requests.first { $0.path == "/v2/oauth/token/" })
        let form = String(decoding: token.body, as: UTF8.self)
        #expect(
            form.contains("grant_type=authorization_code")
                && form.contains("redirect_uri=https%3A%2F%2Farmy.example%2Faccounts%2Fcallback%2Ftiktok"))
    }

    @Test func theBusinessAccountFlowUsesJSONBodiesAndTheEnvelope() async throws {
        let fake = TikTokFake(users: Self.users)
        let server = FakeServer { request, _ in fake.reply(request) }
        try await server.run { base in
            let authorizer = LiveAccountAuthorizer(apps: Self.apps(base, fake), transport: CurlTransport())
            let code = fake.authorize("glowco", redirectURI: nil)
            let grant = try await authorizer.exchange(.tiktokBusiness, code: code, redirectURI: "https://army.example/cb")
            #expect(grant.externalId == "7106594312292453675" && grant.refreshExpiresIn == 31_536_000)
            let identity = try await authorizer.identity(.tiktokBusiness, grant: grant)
            #expect(identity.handle == "@glowco")
            let wrong = await #expect(throws: ProviderError.self) {
                try await authorizer.exchange(.tiktokBusiness, code: "nope", redirectURI: "r")
            }
            #expect(wrong?.code == "40002")
        }
        let body = try #require(server.requests.first { $0.path.hasSuffix("/tt_user/oauth2/token/") }?.json)
        #expect(body["grant_type"] == "authorization_code" && body["client_id"] == "fake-app-id" && body["auth_code"] != nil)
    }
}

@Suite struct ConnectedTikTokTests {
    static let users = [
        TikTokFake.User(
            username: "glowco", openId: "7106594312292453675", followers: 120_000,
            videoIds: ["7306594312292453675", "7306594312292453676"],
            commentIds: ["7406594312292453675"], grantedScopes: ["user.info.basic", "video.list"]),
        TikTokFake.User(
            username: "rival", openId: "7106594312292450001", followers: 50_000, videoIds: ["7306594312292450001"],
            grantedScopes: ["video.list"]),
    ]

    /// Connects every user of the fake through its own code exchange.
    static func credentials(_ base: String, _ fake: TikTokFake) async throws -> [AccountCredential] {
        let authorizer = LiveAccountAuthorizer(apps: AccountAuthorizerTests.apps(base, fake), transport: CurlTransport())
        var out: [AccountCredential] = []
        for user in Self.users {
            let grant = try await authorizer.exchange(.tiktok, code: fake.authorize(user.username, redirectURI: "r"), redirectURI: "r")
            out.append(
                AccountCredential(
                    accountId: UUID(), kind: .tiktok, externalId: grant.externalId, handle: "@" + user.username,
                    accessToken: grant.accessToken))
            let business = try await authorizer.exchange(
                .tiktokBusiness, code: fake.authorize(user.username, redirectURI: nil), redirectURI: "r")
            out.append(
                AccountCredential(
                    accountId: UUID(), kind: .tiktokBusiness, externalId: business.externalId, handle: "@" + user.username,
                    accessToken: business.accessToken))
        }
        return out
    }

    @Test func eachCallUsesTheNamedAccountsOwnTokenAndIdsStayExact() async throws {
        let fake = TikTokFake(users: Self.users)
        let server = FakeServer { request, _ in fake.reply(request) }
        try await server.run { base in
            let directory = FixedDirectory(try await Self.credentials(base, fake))
            let tiktok = ConnectedTikTok(
                accounts: directory, openAPIBaseURL: base, businessBaseURL: base + "/open_api/v1.3", privacyLevel: "SELF_ONLY",
                transport: CurlTransport(), retry: RetryPolicy(maxRetries: 0))
            let own = try await tiktok.userInfo(handle: "@glowco")
            let rival = try await tiktok.userInfo(handle: "rival")
            #expect(own.followerCount == 120_000 && rival.followerCount == 50_000)
            let videos = try await tiktok.videos(handle: "@glowco", days: 30, until: Date(timeIntervalSince1970: 1_800_000_100), limit: 10)
            #expect(videos.map(\.id) == ["7306594312292453675", "7306594312292453676"], "19-digit video ids round-trip exactly")
            let comments = try await tiktok.comments(videoId: "7306594312292453675", limit: 5)
            #expect(comments.map(\.id) == ["7406594312292453675"] && comments[0].videoId == "7306594312292453675")
            let stranger = await #expect(throws: ProviderError.self) { try await tiktok.userInfo(handle: "@nobody") }
            #expect(stranger?.code == "not_connected" && stranger?.message.contains("@nobody is not connected") == true)
        }
        let list = try #require(server.requests.first { $0.path == "/v2/video/list/" })
        #expect(list.method == "POST" && list.query.hasPrefix("fields=id,create_time") && list.json?["max_count"] == 10)
        #expect(!server.requests.contains { $0.path.contains("/research/") }, "the Research API is never called")
    }

    @Test func aRefusedTokenIsRefreshedOnceAndTheCallRepeated() async throws {
        let fake = TikTokFake(users: Self.users)
        let server = FakeServer { request, _ in fake.reply(request) }
        try await server.run { base in
            let authorizer = LiveAccountAuthorizer(apps: AccountAuthorizerTests.apps(base, fake), transport: CurlTransport())
            let grant = try await authorizer.exchange(.tiktok, code: fake.authorize("glowco", redirectURI: "r"), redirectURI: "r")
            let refreshToken = Locked(grant.refreshToken!)
            let directory = FixedDirectory(
                [
                    AccountCredential(
                        accountId: UUID(), kind: .tiktok, externalId: grant.externalId, handle: "@glowco", accessToken: grant.accessToken)
                ]
            ) { old in
                let renewed = try await authorizer.refresh(.tiktok, refreshToken: refreshToken.value)
                refreshToken.mutate { $0 = renewed.refreshToken! }
                var credential = old
                credential.accessToken = renewed.accessToken
                return credential
            }
            let tiktok = ConnectedTikTok(
                accounts: directory, openAPIBaseURL: base, businessBaseURL: base, privacyLevel: "SELF_ONLY", transport: CurlTransport(),
                retry: RetryPolicy(maxRetries: 0))
            fake.expireAccessTokens()
            let profile = try await tiktok.userInfo(handle: "@glowco")
            #expect(profile.followerCount == 120_000 && directory.refreshedCount == 1 && fake.refreshes == 1)
        }
        let infos = server.requests.filter { $0.path == "/v2/user/info/" }
        #expect(infos.count == 2 && infos[0].header("authorization") != infos[1].header("authorization"))
    }
}

@Suite struct ConnectedShopsTests {
    @Test func theConnectedStoreIsCalledAtItsDomainWithItsOwnToken() async throws {
        let server = FakeServer { request, _ in
            guard request.header("x-shopify-access-token") == "shpat_glowco" else { return FakeReply(status: 401) }
            return .json([
                "data": [
                    "productVariants": [
                        "nodes": [
                            [
                                "sku": "GLOW-30",
                                "inventoryItem": [
                                    "inventoryLevels": [
                                        "nodes": [
                                            [
                                                "location": ["id": "gid://shopify/Location/1"],
                                                "quantities": [["name": "available", "quantity": 3], ["name": "on_hand", "quantity": 4]],
                                            ]
                                        ]
                                    ]
                                ],
                            ]
                        ]
                    ]
                ]
            ])
        }
        try await server.run { base in
            let directory = FixedDirectory([
                AccountCredential(
                    accountId: UUID(), kind: .shopify, externalId: "glowco.myshopify.com", handle: "glowco.myshopify.com",
                    accessToken: "shpat_glowco")
            ])
            let shops = ConnectedShops(
                accounts: directory, tiktokShopBaseURL: base, tiktokShopAppKey: "k", tiktokShopAppSecret: "s",
                shopifyURLTemplate: base + "/{shop}/admin/api/2026-10/graphql.json", transport: CurlTransport(),
                retry: RetryPolicy(maxRetries: 0))
            let levels = try await shops.levels(sku: "GLOW-30")
            #expect(levels == [InventoryLevel(locationId: "gid://shopify/Location/1", available: 3, onHand: 4)])
            let none = await #expect(throws: ProviderError.self) { try await shops.searchProducts(pageSize: 5) }
            #expect(none?.code == "not_connected" && none?.message.contains("no TikTok Shop is connected") == true)
        }
        #expect(server.requests.map(\.path) == ["/glowco.myshopify.com/admin/api/2026-10/graphql.json"])
    }
}
