import Core
import Foundation

/// Verifies Google-signed OIDC tokens (Pub/Sub push, Cloud Tasks): RS256 signature by a key from
/// `certsURL` (a JWKS or a `{kid: PEM certificate}` map, cached per `Cache-Control: max-age`,
/// refetched once when an unknown `kid` appears), issuer, audience, expiry, and — when an
/// expected service account is set — `email` with `email_verified`.
public actor OIDCVerifier {
    public static let googleIssuers: Set<String> = ["accounts.google.com", "https://accounts.google.com"]

    private let certsURL: String
    private let transport: any HTTPTransport
    private let clock: Clock
    private var keys: [String: RSAKey] = [:]
    private var expires = Date.distantPast
    private var lastRefresh = Date.distantPast

    public init(certsURL: String, transport: any HTTPTransport, clock: Clock = .system) {
        self.certsURL = certsURL
        self.transport = transport
        self.clock = clock
    }

    /// Returns the verified claims or throws `JWTError` naming the failed check.
    public func verify(_ token: String, audience: String, email: String?, issuers: Set<String> = OIDCVerifier.googleIssuers) async throws
        -> JSONValue
    {
        let kid = try JWT.header(of: token)["kid"]?.stringValue
        let now = clock.now()
        let unknownKid = kid.map { self.keys[$0] == nil } ?? false
        if now >= expires || unknownKid && now.timeIntervalSince(lastRefresh) > 30 {
            try await refresh(now: now)
        }
        let known = self.keys
        let claims = try JWT.verify(
            token, keys: { $0.flatMap { known[$0] } }, expect: .init(issuers: issuers, audience: audience), now: now)
        if let email {
            guard claims["email"]?.stringValue == email else { throw JWTError("email does not match the expected service account") }
            guard claims["email_verified"]?.boolValue == true else { throw JWTError("email is not verified") }
        }
        return claims
    }

    private func refresh(now: Date) async throws {
        lastRefresh = now
        let response = try await perform(
            HTTPRequest(url: certsURL, timeout: .seconds(10)), provider: "google_certs", transport: transport, retry: RetryPolicy())
        guard response.status == 200, let json = response.json?.objectValue else {
            throw ProviderError(
                provider: "google_certs", status: response.status, code: "fetch_failed", message: "could not fetch signing keys")
        }
        var fresh: [String: RSAKey] = [:]
        if let jwks = json["keys"]?.arrayValue {
            for jwk in jwks where jwk["kty"] == "RSA" {
                guard let kid = jwk["kid"]?.stringValue, let n = jwk["n"]?.stringValue.flatMap(Crypto.base64URLDecode),
                    let e = jwk["e"]?.stringValue.flatMap(Crypto.base64URLDecode)
                else { continue }
                fresh[kid] = try? RSAKey(modulus: n, exponent: e)
            }
        } else {
            for (kid, pem) in json { if let pem = pem.stringValue { fresh[kid] = try? RSAKey(publicKeyPEM: pem) } }
        }
        keys = fresh
        let maxAge =
            response.header("cache-control")?.split(separator: ",").compactMap { part -> Double? in
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=")
                return pair.count == 2 && pair[0] == "max-age" ? Double(pair[1]) : nil
            }.first ?? 300
        expires = now.addingTimeInterval(maxAge)
    }
}
