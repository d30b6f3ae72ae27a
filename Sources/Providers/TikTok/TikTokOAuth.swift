import Core
import Foundation

/// Authorizing a brand's accounts: the consent URL, the code exchange, refresh (refresh tokens
/// rotate: always keep the newest), revoke, and who the token belongs to.
public protocol AccountAuthorizer: Sendable {
    /// Where the browser goes to consent; `nil` for kinds without an OAuth flow here.
    func authorizeURL(_ kind: AccountKind, state: String, redirectURI: String) -> String?
    func exchange(_ kind: AccountKind, code: String, redirectURI: String) async throws -> TokenGrant
    func refresh(_ kind: AccountKind, refreshToken: String) async throws -> TokenGrant
    func revoke(_ kind: AccountKind, accessToken: String) async throws
    /// The account's handle and display name, read with its new token.
    func identity(_ kind: AccountKind, grant: TokenGrant) async throws -> (handle: String, displayName: String?)
}

/// The app credentials and endpoints of the live flows.
public struct OAuthApps: Sendable {
    public var tiktokAuthURL: String
    public var tiktokOpenAPIBaseURL: String
    public var tiktokClientKey: String
    public var tiktokClientSecret: String
    public var businessAuthURL: String
    public var adsAuthURL: String
    public var businessAPIBaseURL: String
    public var businessAppId: String
    public var businessAppSecret: String

    public init(
        tiktokAuthURL: String, tiktokOpenAPIBaseURL: String, tiktokClientKey: String, tiktokClientSecret: String, businessAuthURL: String,
        adsAuthURL: String, businessAPIBaseURL: String, businessAppId: String, businessAppSecret: String
    ) {
        self.tiktokAuthURL = tiktokAuthURL
        self.tiktokOpenAPIBaseURL = tiktokOpenAPIBaseURL
        self.tiktokClientKey = tiktokClientKey
        self.tiktokClientSecret = tiktokClientSecret
        self.businessAuthURL = businessAuthURL
        self.adsAuthURL = adsAuthURL
        self.businessAPIBaseURL = businessAPIBaseURL
        self.businessAppId = businessAppId
        self.businessAppSecret = businessAppSecret
    }
}

/// The live flows: Login Kit v2 (form bodies, flat JSON answers), the Business account flow
/// (`/tt_user/oauth2/*`, JSON bodies, the `{code, message, data}` envelope) and the advertiser
/// flow (`/oauth2/access_token/`).
public struct LiveAccountAuthorizer: AccountAuthorizer {
    public var apps: OAuthApps
    public var transport: any HTTPTransport
    public var retry: RetryPolicy

    public init(apps: OAuthApps, transport: any HTTPTransport, retry: RetryPolicy = RetryPolicy()) {
        self.apps = apps
        self.transport = transport
        self.retry = retry
    }

    static func form(_ fields: [(String, String)]) -> Data {
        Data(fields.map { "\($0.0)=\(queryEscape($0.1))" }.joined(separator: "&").utf8)
    }

    /// `url` with `query` appended, each value percent-encoded.
    public static func append(_ query: [(String, String)], to url: String) -> String {
        url + (url.contains("?") ? "&" : "?") + query.map { "\($0.0)=\(queryEscape($0.1))" }.joined(separator: "&")
    }

    public func authorizeURL(_ kind: AccountKind, state: String, redirectURI: String) -> String? {
        switch kind {
        case .tiktok:
            Self.append(
                [
                    ("client_key", apps.tiktokClientKey), ("scope", kind.requestedScopes.joined(separator: ",")), ("response_type", "code"),
                    ("redirect_uri", redirectURI), ("state", state),
                ], to: apps.tiktokAuthURL)
        case .tiktokBusiness:
            // The portal issues this URL per app; the flow appends state and the redirect.
            Self.append([("state", state), ("redirect_uri", redirectURI)], to: apps.businessAuthURL)
        case .tiktokAds:
            Self.append([("app_id", apps.businessAppId), ("state", state), ("redirect_uri", redirectURI)], to: apps.adsAuthURL)
        case .tiktokShop, .shopify: nil
        }
    }

    public func exchange(_ kind: AccountKind, code: String, redirectURI: String) async throws -> TokenGrant {
        switch kind {
        case .tiktok:
            return try await loginKit([
                ("client_key", apps.tiktokClientKey), ("client_secret", apps.tiktokClientSecret), ("code", code),
                ("grant_type", "authorization_code"), ("redirect_uri", redirectURI),
            ])
        case .tiktokBusiness:
            return try Self.businessGrant(
                try await business(
                    "/tt_user/oauth2/token/",
                    [
                        "client_id": .string(apps.businessAppId), "client_secret": .string(apps.businessAppSecret),
                        "grant_type": "authorization_code", "auth_code": .string(code), "redirect_uri": .string(redirectURI),
                    ]))
        case .tiktokAds:
            let data = try await business(
                "/oauth2/access_token/",
                ["app_id": .string(apps.businessAppId), "secret": .string(apps.businessAppSecret), "auth_code": .string(code)])
            guard let token = data["access_token"]?.stringValue else {
                throw ProviderError(provider: "tiktok_ads", code: "malformed_response", message: "no access_token in the answer")
            }
            let advertiser = data["advertiser_ids"]?.arrayValue?.first.flatMap { $0.idText }
            guard let advertiser else {
                throw ProviderError(provider: "tiktok_ads", code: "no_advertiser", message: "the authorization granted no advertiser")
            }
            return TokenGrant(
                externalId: advertiser, accessToken: token, refreshToken: nil, expiresIn: nil, refreshExpiresIn: nil,
                scopes: (data["scope"]?.arrayValue ?? []).compactMap { $0.idText })
        case .tiktokShop, .shopify:
            throw ProviderError(provider: kind.rawValue, code: "unsupported", message: "\(kind.title) is connected with an entered token")
        }
    }

    public func refresh(_ kind: AccountKind, refreshToken: String) async throws -> TokenGrant {
        switch kind {
        case .tiktok:
            return try await loginKit([
                ("client_key", apps.tiktokClientKey), ("client_secret", apps.tiktokClientSecret), ("grant_type", "refresh_token"),
                ("refresh_token", refreshToken),
            ])
        case .tiktokBusiness:
            return try Self.businessGrant(
                try await business(
                    "/tt_user/oauth2/refresh_token/",
                    [
                        "client_id": .string(apps.businessAppId), "client_secret": .string(apps.businessAppSecret),
                        "grant_type": "refresh_token", "refresh_token": .string(refreshToken),
                    ]))
        default:
            throw ProviderError(provider: kind.rawValue, code: "unsupported", message: "\(kind.title) tokens are not refreshed")
        }
    }

    public func revoke(_ kind: AccountKind, accessToken: String) async throws {
        switch kind {
        case .tiktok:
            let request = HTTPRequest(
                method: "POST", url: apps.tiktokOpenAPIBaseURL + "/v2/oauth/revoke/",
                headers: [HTTPHeader("content-type", "application/x-www-form-urlencoded")],
                body: Self.form([("client_key", apps.tiktokClientKey), ("client_secret", apps.tiktokClientSecret), ("token", accessToken)]))
            let response = try await perform(request, provider: "tiktok", transport: transport, retry: retry)
            guard response.status == 200 else { throw Self.oauthError(response) }
        case .tiktokBusiness:
            _ = try await business(
                "/tt_user/oauth2/revoke/",
                [
                    "client_id": .string(apps.businessAppId), "client_secret": .string(apps.businessAppSecret),
                    "access_token": .string(accessToken),
                ])
        default: return
        }
    }

    public func identity(_ kind: AccountKind, grant: TokenGrant) async throws -> (handle: String, displayName: String?) {
        switch kind {
        case .tiktok:
            let display = LiveTikTokDisplay(baseURL: apps.tiktokOpenAPIBaseURL, transport: transport, retry: retry)
            let user = try await display.userInfo(accessToken: grant.accessToken, fields: "open_id,display_name,username")
            return ("@" + (user["username"]?.stringValue ?? grant.externalId), user["display_name"]?.stringValue)
        case .tiktokBusiness:
            let business = LiveTikTokBusiness(
                baseURL: apps.businessAPIBaseURL, accessToken: grant.accessToken, businessID: grant.externalId, advertiserID: nil,
                transport: transport, retry: retry)
            let data = try await business.call(
                "GET", "/business/get/", query: [("business_id", grant.externalId), ("fields", #"["username","display_name"]"#)])
            return ("@" + (data["username"]?.stringValue ?? grant.externalId), data["display_name"]?.stringValue)
        default:
            return (grant.externalId, nil)
        }
    }

    func loginKit(_ fields: [(String, String)]) async throws -> TokenGrant {
        let request = HTTPRequest(
            method: "POST", url: apps.tiktokOpenAPIBaseURL + "/v2/oauth/token/",
            headers: [HTTPHeader("content-type", "application/x-www-form-urlencoded")], body: Self.form(fields))
        let response = try await perform(request, provider: "tiktok", transport: transport, retry: retry)
        guard response.status == 200, let json = response.json, json["error"]?.stringValue == nil || json["error"]?.stringValue == "",
            let token = json["access_token"]?.stringValue, let openId = json["open_id"]?.stringValue
        else { throw Self.oauthError(response) }
        return TokenGrant(
            externalId: openId, accessToken: token, refreshToken: json["refresh_token"]?.stringValue,
            expiresIn: json["expires_in"]?.intValue,
            refreshExpiresIn: json["refresh_expires_in"]?.intValue, scopes: Self.scopes(json["scope"]))
    }

    func business(_ path: String, _ body: JSONValue) async throws -> JSONValue {
        let request = HTTPRequest.json("POST", apps.businessAPIBaseURL + path, body)
        return try LiveTikTokBusiness.unwrap(try await perform(request, provider: "tiktok_business", transport: transport, retry: retry))
    }

    static func businessGrant(_ data: JSONValue) throws -> TokenGrant {
        guard let token = data["access_token"]?.stringValue, let openId = data["open_id"]?.stringValue else {
            throw ProviderError(
                provider: "tiktok_business", code: "malformed_response", message: "no access_token or open_id in the answer")
        }
        return TokenGrant(
            externalId: openId, accessToken: token, refreshToken: data["refresh_token"]?.stringValue,
            expiresIn: data["expires_in"]?.intValue,
            refreshExpiresIn: data["refresh_token_expires_in"]?.intValue, scopes: scopes(data["scope"]))
    }

    /// `scope` is a comma-separated string (Login Kit) or, in some answers, an array.
    static func scopes(_ value: JSONValue?) -> [String] {
        if let text = value?.stringValue {
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return value?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// `{error, error_description, log_id}`.
    static func oauthError(_ response: HTTPResponse) -> ProviderError {
        let json = response.json
        return ProviderError(
            provider: "tiktok", status: response.status, code: json?["error"]?.stringValue ?? "oauth_failed",
            message: json?["error_description"]?.stringValue ?? "the token endpoint refused the request",
            logId: json?["log_id"]?.stringValue)
    }
}

/// `TIKTOK_PROVIDER_MODE=mock`: the consent page is the app's own (`/accounts/mock-consent`), a
/// code names the handle the newcomer typed, and tokens are random and rotate on refresh, with
/// a 2-hour lifetime, as TikTok's newer docs give. No network.
public struct MockAccountAuthorizer: AccountAuthorizer {
    public var consentURL: String
    public init(consentURL: String) { self.consentURL = consentURL }

    /// The code the mock consent page hands back for `handle`.
    public static func code(kind: AccountKind, handle: String) -> String {
        "mock." + kind.rawValue + "." + Crypto.base64URLEncode(Array(handle.utf8)) + "." + Crypto.hex(Crypto.randomBytes(6))
    }

    /// A stable 19-digit `open_id` for a mock handle.
    public static func openId(kind: AccountKind, handle: String) -> String {
        let digest = Crypto.sha256(Array((kind.rawValue + ":" + handle.lowercased()).utf8))
        let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % 1_000_000_000_000_000_000
        return String(7_000_000_000_000_000_000 + value)
    }

    public func authorizeURL(_ kind: AccountKind, state: String, redirectURI: String) -> String? {
        guard kind != .tiktokShop, kind != .shopify else { return nil }
        return LiveAccountAuthorizer.append([("kind", kind.rawValue), ("state", state), ("redirect_uri", redirectURI)], to: consentURL)
    }

    static func handle(from code: String, kind: AccountKind) throws -> String {
        let parts = code.split(separator: ".")
        guard parts.count == 4, parts[0] == "mock", parts[1] == kind.rawValue, let bytes = Crypto.base64URLDecode(String(parts[2])),
            let handle = String(bytes: bytes, encoding: .utf8)
        else { throw ProviderError(provider: "tiktok", status: 400, code: "invalid_grant", message: "the authorization code is not valid") }
        return handle
    }

    static func grant(kind: AccountKind, handle: String) -> TokenGrant {
        TokenGrant(
            externalId: openId(kind: kind, handle: handle), accessToken: "mock-act." + Crypto.hex(Crypto.randomBytes(16)),
            refreshToken: "mock-rft." + Crypto.base64URLEncode(Array(handle.utf8)) + "." + Crypto.hex(Crypto.randomBytes(16)),
            expiresIn: 7200, refreshExpiresIn: 180 * 86400, scopes: kind.requestedScopes)
    }

    public func exchange(_ kind: AccountKind, code: String, redirectURI: String) async throws -> TokenGrant {
        grant(kind: kind, handle: try Self.handle(from: code, kind: kind))
    }

    func grant(kind: AccountKind, handle: String) -> TokenGrant { Self.grant(kind: kind, handle: handle) }

    public func refresh(_ kind: AccountKind, refreshToken: String) async throws -> TokenGrant {
        let parts = refreshToken.split(separator: ".")
        guard parts.count == 3, let bytes = Crypto.base64URLDecode(String(parts[1])), let handle = String(bytes: bytes, encoding: .utf8)
        else {
            throw ProviderError(provider: "tiktok", status: 400, code: "invalid_grant", message: "the refresh token is not valid")
        }
        return grant(kind: kind, handle: handle)
    }

    public func revoke(_ kind: AccountKind, accessToken: String) async throws {}

    public func identity(_ kind: AccountKind, grant: TokenGrant) async throws -> (handle: String, displayName: String?) {
        guard
            let bytes = grant.refreshToken.flatMap({ $0.split(separator: ".").dropFirst().first }).flatMap({
                Crypto.base64URLDecode(String($0))
            }),
            let handle = String(bytes: bytes, encoding: .utf8)
        else { return (grant.externalId, nil) }
        let bare = handle.hasPrefix("@") ? String(handle.dropFirst()) : handle
        return ("@" + bare, bare.replacingOccurrences(of: "_", with: " ").capitalized)
    }
}
