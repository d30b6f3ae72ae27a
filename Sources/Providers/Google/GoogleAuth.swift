import Core
import Foundation

/// Mints Google tokens for calling other services.
public protocol GoogleTokenSource: Sendable {
    /// An ID token whose `aud` is `audience` (service-to-service calls, Cloud Run).
    func idToken(audience: String) async throws -> String
    /// An OAuth access token for `scopes` (Google APIs).
    func accessToken(scopes: [String]) async throws -> String
}

/// A service-account key file (`GOOGLE_APPLICATION_CREDENTIALS`).
public struct ServiceAccountKey: Sendable, Decodable {
    public var clientEmail: String
    public var privateKey: String
    public var privateKeyId: String?
    public var tokenUri: String

    enum CodingKeys: String, CodingKey {
        case clientEmail = "client_email"
        case privateKey = "private_key"
        case privateKeyId = "private_key_id"
        case tokenUri = "token_uri"
    }

    public init(clientEmail: String, privateKey: String, privateKeyId: String?, tokenUri: String = "https://oauth2.googleapis.com/token") {
        self.clientEmail = clientEmail
        self.privateKey = privateKey
        self.privateKeyId = privateKeyId
        self.tokenUri = tokenUri
    }

    public static func load(path: String) throws -> ServiceAccountKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProviderError.notConfigured("google", "a readable GOOGLE_APPLICATION_CREDENTIALS file")
        }
        return try JSONDecoder().decode(ServiceAccountKey.self, from: data)
    }
}

/// Caches tokens per key until a minute before they expire.
actor TokenCache {
    private var entries: [String: (token: String, expires: Date)] = [:]
    func get(_ key: String, now: Date) -> String? {
        guard let entry = entries[key], entry.expires > now else { return nil }
        return entry.token
    }
    func put(_ key: String, _ token: String, expires: Date) { entries[key] = (token, expires.addingTimeInterval(-60)) }
}

/// Tokens from a service-account key: a self-signed RS256 JWT (`iss` = client email, `aud` = token
/// URI, `target_audience` or `scope`) exchanged at the token URI.
public struct ServiceAccountTokenSource: GoogleTokenSource {
    public var key: ServiceAccountKey
    private let signer: RSAKey
    public var transport: any HTTPTransport
    public var clock: Clock
    private let cache = TokenCache()

    public init(key: ServiceAccountKey, transport: any HTTPTransport, clock: Clock = .system) throws {
        self.key = key
        self.signer = try RSAKey(privateKeyPEM: key.privateKey)
        self.transport = transport
        self.clock = clock
    }

    public func idToken(audience: String) async throws -> String {
        try await token(cacheKey: "id:" + audience, claim: ("target_audience", audience), field: "id_token")
    }

    public func accessToken(scopes: [String]) async throws -> String {
        let scope = scopes.joined(separator: " ")
        return try await token(cacheKey: "access:" + scope, claim: ("scope", scope), field: "access_token")
    }

    private func token(cacheKey: String, claim: (String, String), field: String) async throws -> String {
        let now = clock.now()
        if let cached = await cache.get(cacheKey, now: now) { return cached }
        let issued = Int(now.timeIntervalSince1970)
        var claims: [String: JSONValue] = [
            "iss": .string(key.clientEmail), "aud": .string(key.tokenUri), "iat": .number(issued), "exp": .number(issued + 3600),
        ]
        claims[claim.0] = .string(claim.1)
        let assertion = try JWT.sign(claims: .object(claims), key: signer, kid: key.privateKeyId)
        let form = "grant_type=\(queryEscape("urn:ietf:params:oauth:grant-type:jwt-bearer"))&assertion=\(assertion)"
        let request = HTTPRequest(
            method: "POST", url: key.tokenUri, headers: [HTTPHeader("content-type", "application/x-www-form-urlencoded")],
            body: Data(form.utf8))
        let response = try await perform(request, provider: "google", transport: transport, retry: RetryPolicy())
        guard response.status == 200, let token = response.json?[field]?.stringValue else {
            throw ProviderError(
                provider: "google", status: response.status, code: response.json?["error"]?.stringValue ?? "token_failed",
                message: response.json?["error_description"]?.stringValue ?? "no \(field) in token response")
        }
        let expires =
            response.json?["expires_in"]?.doubleValue.map { now.addingTimeInterval($0) } ?? Self.expiry(ofJWT: token)
            ?? now.addingTimeInterval(3600)
        await cache.put(cacheKey, token, expires: expires)
        return token
    }

    static func expiry(ofJWT token: String) -> Date? {
        let parts = token.split(separator: ".")
        guard parts.count == 3, let bytes = Crypto.base64URLDecode(String(parts[1])), let claims = try? JSONValue.parse(Data(bytes)),
            let exp = claims["exp"]?.doubleValue
        else { return nil }
        return Date(timeIntervalSince1970: exp)
    }
}

/// Tokens from the metadata server on Google Cloud (Cloud Run, GCE).
public struct MetadataServerTokenSource: GoogleTokenSource {
    public var baseURL: String
    public var transport: any HTTPTransport
    public var clock: Clock
    private let cache = TokenCache()

    public init(baseURL: String, transport: any HTTPTransport, clock: Clock = .system) {
        self.baseURL = baseURL
        self.transport = transport
        self.clock = clock
    }

    func get(_ path: String) async throws -> HTTPResponse {
        let request = HTTPRequest(
            url: baseURL + "/computeMetadata/v1/instance/service-accounts/default/" + path,
            headers: [HTTPHeader("Metadata-Flavor", "Google")], timeout: .seconds(10))
        let response = try await perform(request, provider: "google_metadata", transport: transport, retry: RetryPolicy())
        guard response.status == 200 else {
            throw ProviderError(
                provider: "google_metadata", status: response.status, code: "http_\(response.status)",
                message: response.text.prefix(200).description)
        }
        return response
    }

    public func idToken(audience: String) async throws -> String {
        let now = clock.now()
        if let cached = await cache.get("id:" + audience, now: now) { return cached }
        let token = try await get("identity?audience=\(queryEscape(audience))&format=full").text.trimmingCharacters(
            in: .whitespacesAndNewlines)
        await cache.put("id:" + audience, token, expires: ServiceAccountTokenSource.expiry(ofJWT: token) ?? now.addingTimeInterval(3600))
        return token
    }

    public func accessToken(scopes: [String]) async throws -> String {
        let now = clock.now()
        let key = "access:" + scopes.joined(separator: ",")
        if let cached = await cache.get(key, now: now) { return cached }
        let json = try await get("token?scopes=\(queryEscape(scopes.joined(separator: ",")))").json
        guard let token = json?["access_token"]?.stringValue else {
            throw ProviderError(provider: "google_metadata", code: "malformed_response", message: "no access_token")
        }
        await cache.put(key, token, expires: now.addingTimeInterval(json?["expires_in"]?.doubleValue ?? 3600))
        return token
    }
}
