import Core
import Foundation

/// Every outside-world client the agents use, chosen by mode: live implementations over the
/// libcurl transport, or the deterministic mocks.
public struct ProviderSuite: Sendable {
    public var claude: any ClaudeClient
    /// What every model costs and how it caches.
    public var models: ModelCatalog
    public var research: any TikTokResearchAPI
    public var business: any TikTokBusinessAPI
    public var ads: any TikTokAdsAPI
    /// Account metrics and comment replies (Business API).
    public var engagement: any TikTokEngagementAPI
    public var shop: any TikTokShopAPI
    public var shopify: any ShopifyInventoryAPI
    public var publisher: any VideoPublisher
    public var studio: any StudioAPI
    public var transcoder: Transcoder
    /// Where produced videos are kept for every process (the media directory unless `MEDIA_BUCKET`).
    public var media: any MediaStore = LocalMediaStore()
    /// Set when `PUBSUB_PROJECT` is.
    public var messages: (any MessagePublisher)?
    /// Delivers alerts to a workspace's Slack incoming webhook.
    public var chat: any ChatNotifier
    /// Set when `EXECUTION_MODE=cloud_tasks`.
    public var tasks: (any TaskQueue)?
    public var oidc: OIDCVerifier
    /// Connects a brand's accounts (the OAuth flows).
    public var authorizer: any AccountAuthorizer
    /// Live mode: the TikTok clients for one workspace's connected accounts.
    public var connect: (@Sendable (any AccountDirectory) -> ConnectedTikTok)?
    /// Live mode: the shops of one workspace's connected accounts.
    public var connectShops: (@Sendable (any AccountDirectory) -> ConnectedShops)?

    public init(
        claude: any ClaudeClient, models: ModelCatalog = .standard, research: any TikTokResearchAPI, business: any TikTokBusinessAPI,
        ads: any TikTokAdsAPI, engagement: any TikTokEngagementAPI, shop: any TikTokShopAPI, shopify: any ShopifyInventoryAPI,
        publisher: any VideoPublisher,
        studio: any StudioAPI, transcoder: Transcoder, messages: (any MessagePublisher)? = nil, chat: any ChatNotifier,
        tasks: (any TaskQueue)? = nil,
        oidc: OIDCVerifier, authorizer: any AccountAuthorizer = MockAccountAuthorizer(consentURL: "/accounts/mock-consent"),
        connect: (@Sendable (any AccountDirectory) -> ConnectedTikTok)? = nil
    ) {
        self.claude = claude
        self.models = models
        self.research = research
        self.business = business
        self.ads = ads
        self.engagement = engagement
        self.shop = shop
        self.shopify = shopify
        self.publisher = publisher
        self.studio = studio
        self.transcoder = transcoder
        self.messages = messages
        self.chat = chat
        self.tasks = tasks
        self.oidc = oidc
        self.authorizer = authorizer
        self.connect = connect
    }

    /// The suite as one workspace sees it: in live mode every TikTok call uses that workspace's
    /// connected accounts; the mocks serve any handle.
    public func bound(to accounts: any AccountDirectory) -> ProviderSuite {
        guard let connect else { return self }
        var suite = self
        let tiktok = connect(accounts)
        suite.research = tiktok
        suite.business = tiktok
        suite.ads = tiktok
        suite.engagement = tiktok
        suite.publisher = tiktok
        if let connectShops {
            let shops = connectShops(accounts)
            suite.shop = shops
            suite.shopify = shops
        }
        return suite
    }

    /// The deterministic suite: mock Claude and mock providers; nothing touches the network.
    public static func mock(
        transport: any HTTPTransport, claudeLatency: Duration = .zero, transcoder: Transcoder = Transcoder(),
        models: ModelCatalog = .standard
    ) -> ProviderSuite {
        let tiktok = MockTikTok()
        return ProviderSuite(
            claude: MockClaude(latency: claudeLatency, cache: PromptCache(models: models)), models: models, research: tiktok,
            business: tiktok, ads: tiktok, engagement: tiktok, shop: tiktok, shopify: tiktok,
            publisher: MockPublisher(), studio: MockStudio(transcoder: transcoder), transcoder: transcoder,
            chat: SlackWebhook(transport: transport),
            oidc: OIDCVerifier(certsURL: "https://www.googleapis.com/oauth2/v3/certs", transport: transport))
    }

    /// Builds the suite the settings ask for.
    public static func make(settings: Settings, transport: any HTTPTransport, clock: Clock = .system) throws -> ProviderSuite {
        let p = settings.providers
        let transcoder = Transcoder(ffmpeg: p.ffmpegPath, ffprobe: p.ffprobePath)
        let google: any GoogleTokenSource =
            try p.googleServiceAccountFile.map {
                try ServiceAccountTokenSource(key: ServiceAccountKey.load(path: $0), transport: transport, clock: clock)
            } ?? MetadataServerTokenSource(baseURL: p.googleMetadataURL, transport: transport, clock: clock)

        var suite = mock(
            transport: transport, claudeLatency: .milliseconds(settings.claudeMockLatencyMS), transcoder: transcoder,
            models: settings.models)
        suite.oidc = OIDCVerifier(certsURL: p.googleOIDCCertsURL, transport: transport, clock: clock)
        if settings.claudeMode == .live, let key = settings.anthropicAPIKey {
            suite.claude = AnthropicClient(
                baseURL: settings.anthropicBaseURL, apiKey: key, version: settings.anthropicVersion, transport: transport,
                retry: RetryPolicy(maxAdvisedDelay: settings.claudeRetryAfterMaxSeconds))
        }
        if settings.providerMode == .live {
            let apps = OAuthApps(
                tiktokAuthURL: p.tiktokAuthURL, tiktokOpenAPIBaseURL: p.tiktokOpenAPIBaseURL, tiktokClientKey: p.tiktokClientKey ?? "",
                tiktokClientSecret: p.tiktokClientSecret ?? "", businessAuthURL: p.tiktokBusinessAuthURL ?? "",
                adsAuthURL: p.tiktokAdsAuthURL,
                businessAPIBaseURL: p.tiktokBusinessBaseURL, businessAppId: p.tiktokBusinessAppId ?? "",
                businessAppSecret: p.tiktokBusinessAppSecret ?? "")
            suite.authorizer = LiveAccountAuthorizer(apps: apps, transport: transport)
            let (openAPI, businessAPI, privacy) = (p.tiktokOpenAPIBaseURL, p.tiktokBusinessBaseURL, p.tiktokPrivacyLevel)
            suite.connect = { accounts in
                ConnectedTikTok(
                    accounts: accounts, openAPIBaseURL: openAPI, businessBaseURL: businessAPI, privacyLevel: privacy, transport: transport)
            }
            let (shopBase, appKey, appSecret, shopify) = (
                p.tiktokShopBaseURL, p.tiktokShopAppKey, p.tiktokShopAppSecret, p.shopifyGraphQLURL
            )
            suite.connectShops = { accounts in
                ConnectedShops(
                    accounts: accounts, tiktokShopBaseURL: shopBase, tiktokShopAppKey: appKey, tiktokShopAppSecret: appSecret,
                    shopifyURLTemplate: shopify, transport: transport)
            }
            suite.studio = p.studioURL.map { LiveStudio(baseURL: $0, tokens: google, transport: transport) } ?? UnconfiguredStudio()
        }
        if let bucket = p.mediaBucket {
            suite.media = GCSMediaStore(baseURL: p.gcsBaseURL, bucket: bucket, tokens: google, transport: transport)
        }
        if let project = p.pubsubProject {
            suite.messages = PubSubPublisher(project: project, emulatorHost: p.pubsubEmulatorHost, tokens: google, transport: transport)
        }
        if settings.executionMode == .cloudTasks, let queue = p.cloudTasksQueue {
            suite.tasks = CloudTasksClient(
                baseURL: p.cloudTasksBaseURL, project: p.cloudTasksProject ?? "", location: p.cloudTasksLocation ?? "", queue: queue,
                serviceAccountEmail: p.cloudTasksServiceAccount ?? "", tokens: google, transport: transport)
        }
        return suite
    }
}

/// Live mode without `STUDIO_URL`: every render fails naming the setting.
struct UnconfiguredStudio: StudioAPI {
    func render(_ request: RenderRequest, into directory: String) async throws -> String {
        throw ProviderError.notConfigured("studio", "STUDIO_URL")
    }
}
