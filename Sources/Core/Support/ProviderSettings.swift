import Foundation

/// Credentials, base URLs and options of the outside-world clients. Base URLs are overridable
/// so tests (and emulators) can point a client at a local server.
public struct ProviderSettings: Sendable {
    public var tiktokClientKey: String?
    public var tiktokClientSecret: String?
    /// The TikTok API for Business app's secret: the HMAC key of its webhooks (comments).
    public var tiktokBusinessAppSecret: String?
    public var tiktokOpenAPIBaseURL: String
    public var tiktokBusinessBaseURL: String
    public var tiktokAuthURL: String
    public var tiktokBusinessAppId: String?
    public var tiktokBusinessAuthURL: String?
    public var tiktokAdsAuthURL: String
    /// Base64 32 bytes sealing account tokens at rest; the embedded default generates one.
    public var tokenEncryptionKey: String?
    /// Earlier keys, comma-separated: they still open tokens sealed before a rotation.
    public var tokenEncryptionPreviousKeys: [String]
    public var tiktokPrivacyLevel: String
    public var tiktokShopBaseURL: String
    public var tiktokShopAppKey: String?
    public var tiktokShopAppSecret: String?
    /// The GraphQL Admin URL, `{shop}` standing for the connected store's domain.
    public var shopifyGraphQLURL: String
    public var studioURL: String?
    public var googleServiceAccountFile: String?
    public var googleOIDCCertsURL: String
    public var googleMetadataURL: String
    public var pubsubProject: String?
    public var pubsubAuditTopic: String
    public var pubsubEmulatorHost: String?
    public var pubsubPushAudience: String?
    public var pubsubPushServiceAccount: String?
    public var cloudTasksBaseURL: String
    public var cloudTasksProject: String?
    public var cloudTasksLocation: String?
    public var cloudTasksQueue: String?
    public var cloudTasksServiceAccount: String?
    public var publicBaseURL: String?
    public var ffmpegPath: String
    public var ffprobePath: String
    public var mediaDir: String
    /// A Cloud Storage bucket every instance keeps produced videos in (unset: the media directory).
    public var mediaBucket: String?
    public var gcsBaseURL: String

    init(_ reader: Reader) throws(SettingsError) {
        let web = ["http", "https"]
        tiktokClientKey = reader.string("TIKTOK_CLIENT_KEY")
        tiktokClientSecret = reader.string("TIKTOK_CLIENT_SECRET")
        tiktokBusinessAppSecret = reader.string("TIKTOK_BUSINESS_APP_SECRET")
        tiktokOpenAPIBaseURL = try reader.url("TIKTOK_OPEN_API_BASE_URL", schemes: web) ?? "https://open.tiktokapis.com"
        tiktokBusinessBaseURL =
            try reader.url("TIKTOK_BUSINESS_API_BASE_URL", schemes: web) ?? "https://business-api.tiktok.com/open_api/v1.3"
        tiktokAuthURL = try reader.url("TIKTOK_AUTH_URL", schemes: web) ?? "https://www.tiktok.com/v2/auth/authorize/"
        tiktokBusinessAppId = reader.string("TIKTOK_BUSINESS_APP_ID")
        tiktokBusinessAuthURL = try reader.url("TIKTOK_BUSINESS_AUTH_URL", schemes: web)
        tiktokAdsAuthURL = try reader.url("TIKTOK_ADS_AUTH_URL", schemes: web) ?? "https://business-api.tiktok.com/portal/auth"
        tokenEncryptionKey = reader.string("TOKEN_ENCRYPTION_KEY")
        tokenEncryptionPreviousKeys = (reader.string("TOKEN_ENCRYPTION_PREVIOUS_KEYS") ?? "").split(separator: ",").map {
            String($0).trimmingCharacters(in: .whitespaces)
        }
        for (name, value) in [("TOKEN_ENCRYPTION_KEY", tokenEncryptionKey)]
            + tokenEncryptionPreviousKeys.map({ ("TOKEN_ENCRYPTION_PREVIOUS_KEYS", Optional($0)) })
        {
            if let value, Data(base64Encoded: value)?.count != 32 {
                throw SettingsError(variable: name, problem: "must be 32 bytes, base64-encoded (openssl rand -base64 32)")
            }
        }
        tiktokPrivacyLevel = try reader.choice(
            "TIKTOK_PRIVACY_LEVEL", default: "SELF_ONLY",
            from: ["SELF_ONLY", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "PUBLIC_TO_EVERYONE"])
        tiktokShopBaseURL = try reader.url("TIKTOK_SHOP_BASE_URL", schemes: web) ?? "https://open-api.tiktokglobalshop.com"
        tiktokShopAppKey = reader.string("TIKTOK_SHOP_APP_KEY")
        tiktokShopAppSecret = reader.string("TIKTOK_SHOP_APP_SECRET")
        shopifyGraphQLURL = reader.string("SHOPIFY_GRAPHQL_URL") ?? "https://{shop}/admin/api/2026-10/graphql.json"
        guard shopifyGraphQLURL.contains("{shop}"), shopifyGraphQLURL.hasPrefix("https://") || shopifyGraphQLURL.hasPrefix("http://") else {
            throw SettingsError(
                variable: "SHOPIFY_GRAPHQL_URL", problem: "must be an http(s) URL with {shop} where the store's domain goes")
        }
        studioURL = try reader.url("STUDIO_URL", schemes: web)
        googleServiceAccountFile = reader.string("GOOGLE_APPLICATION_CREDENTIALS")
        googleOIDCCertsURL = try reader.url("GOOGLE_OIDC_CERTS_URL", schemes: web) ?? "https://www.googleapis.com/oauth2/v3/certs"
        googleMetadataURL = try reader.url("GOOGLE_METADATA_URL", schemes: web) ?? "http://metadata.google.internal"
        pubsubProject = reader.string("PUBSUB_PROJECT")
        pubsubAuditTopic = reader.string("PUBSUB_AUDIT_TOPIC") ?? "audit-event"
        pubsubEmulatorHost = reader.string("PUBSUB_EMULATOR_HOST")
        pubsubPushAudience = reader.string("PUBSUB_PUSH_AUDIENCE")
        pubsubPushServiceAccount = reader.string("PUBSUB_PUSH_SERVICE_ACCOUNT")
        cloudTasksBaseURL = try reader.url("CLOUD_TASKS_BASE_URL", schemes: web) ?? "https://cloudtasks.googleapis.com"
        cloudTasksProject = reader.string("CLOUD_TASKS_PROJECT")
        cloudTasksLocation = reader.string("CLOUD_TASKS_LOCATION")
        cloudTasksQueue = reader.string("CLOUD_TASKS_QUEUE")
        cloudTasksServiceAccount = reader.string("CLOUD_TASKS_SERVICE_ACCOUNT")
        publicBaseURL = try reader.url("PUBLIC_BASE_URL", schemes: web)
        ffmpegPath = reader.string("FFMPEG_PATH") ?? "ffmpeg"
        ffprobePath = reader.string("FFPROBE_PATH") ?? "ffprobe"
        mediaDir = reader.string("MEDIA_DIR") ?? ".data/media"
        mediaBucket = reader.string("MEDIA_BUCKET")
        if let bucket = mediaBucket,
            !bucket.allSatisfy({ $0.isLowercase || $0.isNumber || "-_.".contains($0) }) || !(3...222).contains(bucket.count)
        {
            throw SettingsError(
                variable: "MEDIA_BUCKET",
                problem: "'\(bucket)' is not a Cloud Storage bucket name (3-222 lowercase letters, digits, -, _ and .)")
        }
        gcsBaseURL = try reader.url("GCS_BASE_URL", schemes: web) ?? "https://storage.googleapis.com"
    }

    public static let documentation: [(name: String, default: String, meaning: String)] = [
        ("TIKTOK_CLIENT_KEY", "", "TikTok app client key (required when TIKTOK_PROVIDER_MODE=live)"),
        ("TIKTOK_CLIENT_SECRET", "", "TikTok app client secret: OAuth, and the HMAC key of /webhooks/tiktok"),
        ("TIKTOK_BUSINESS_APP_SECRET", "", "TikTok API for Business app secret: OAuth, and the HMAC key of /webhooks/tiktok-business"),
        ("TIKTOK_OPEN_API_BASE_URL", "https://open.tiktokapis.com", "Login Kit OAuth, Display and Content Posting APIs"),
        ("TIKTOK_AUTH_URL", "https://www.tiktok.com/v2/auth/authorize/", "Login Kit consent page"),
        ("TIKTOK_BUSINESS_APP_ID", "", "TikTok API for Business app id (client_id): Business account and advertiser flows"),
        ("TIKTOK_BUSINESS_AUTH_URL", "", "The account-holder authorization URL the Business portal issues for the app"),
        (
            "TIKTOK_ADS_AUTH_URL", "https://business-api.tiktok.com/portal/auth",
            "Advertiser authorization page (UNVERIFIED shape: configurable)"
        ),
        ("TOKEN_ENCRYPTION_KEY", "generated into the data dir", "Base64 32 bytes: AES-256-GCM key of account tokens at rest"),
        ("TOKEN_ENCRYPTION_PREVIOUS_KEYS", "", "Comma-separated earlier keys, still opening tokens until `accounts rotate-key`"),
        ("TIKTOK_BUSINESS_API_BASE_URL", "https://business-api.tiktok.com/open_api/v1.3", "Business and Marketing API"),
        ("TIKTOK_PRIVACY_LEVEL", "SELF_ONLY", "Privacy of published posts (unaudited apps may only post SELF_ONLY)"),
        ("TIKTOK_SHOP_BASE_URL", "https://open-api.tiktokglobalshop.com", "TikTok Shop API"),
        ("TIKTOK_SHOP_APP_KEY", "", "TikTok Shop app key"),
        ("TIKTOK_SHOP_APP_SECRET", "", "TikTok Shop app secret (request signing)"),
        (
            "SHOPIFY_GRAPHQL_URL", "https://{shop}/admin/api/2026-10/graphql.json",
            "GraphQL Admin URL; {shop} is the connected store's domain"
        ),
        ("STUDIO_URL", "", "Studio service URL (also the ID-token audience)"),
        ("GOOGLE_APPLICATION_CREDENTIALS", "", "service-account key file; unset uses the metadata server"),
        ("GOOGLE_OIDC_CERTS_URL", "https://www.googleapis.com/oauth2/v3/certs", "where Google's token signing keys are fetched"),
        ("GOOGLE_METADATA_URL", "http://metadata.google.internal", "metadata server"),
        (
            "PUBSUB_PROJECT", "",
            "project for Pub/Sub publishing: the audit relay sends tiktok_outbox to PUBSUB_AUDIT_TOPIC (unset: events stay in the outbox)"
        ),
        ("PUBSUB_AUDIT_TOPIC", "audit-event", "topic for audit events"),
        ("PUBSUB_EMULATOR_HOST", "", "host:port of a Pub/Sub emulator (plain http, no auth)"),
        ("PUBSUB_PUSH_AUDIENCE", "", "expected aud of Pub/Sub push tokens"),
        ("PUBSUB_PUSH_SERVICE_ACCOUNT", "", "expected email of Pub/Sub push tokens"),
        ("CLOUD_TASKS_BASE_URL", "https://cloudtasks.googleapis.com", "Cloud Tasks API"),
        ("CLOUD_TASKS_PROJECT", "", "Cloud Tasks project"),
        ("CLOUD_TASKS_LOCATION", "", "Cloud Tasks location"),
        ("CLOUD_TASKS_QUEUE", "", "queue for step tasks (required when EXECUTION_MODE=cloud_tasks)"),
        ("CLOUD_TASKS_SERVICE_ACCOUNT", "", "service account whose OIDC token Cloud Tasks attaches"),
        ("PUBLIC_BASE_URL", "", "this service's public URL (task targets and token audience)"),
        ("FFMPEG_PATH", "ffmpeg", "ffmpeg executable"),
        (
            "MEDIA_BUCKET", "",
            "Cloud Storage bucket for produced videos, shared by every instance (service-account token; unset: MEDIA_DIR only)"
        ),
        ("GCS_BASE_URL", "https://storage.googleapis.com", "Cloud Storage JSON API"),
        ("FFPROBE_PATH", "ffprobe", "ffprobe executable"),
        ("MEDIA_DIR", ".data/media", "where produced videos are stored"),
    ]
}
