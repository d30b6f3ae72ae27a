import Foundation

/// Why a token was refused. `description` names the check that failed.
public struct JWTError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// JSON Web Tokens signed with RS256 — the only algorithm accepted.
public enum JWT {
    /// What a verified token must satisfy.
    public struct Expectations: Sendable {
        public var issuers: Set<String>
        public var audience: String
        public var leeway: TimeInterval
        public init(issuers: Set<String>, audience: String, leeway: TimeInterval = 60) {
            self.issuers = issuers
            self.audience = audience
            self.leeway = leeway
        }
    }

    /// Signs `claims` with `key`; `kid` goes in the header.
    public static func sign(claims: JSONValue, key: RSAKey, kid: String? = nil) throws -> String {
        var header: [String: JSONValue] = ["alg": "RS256", "typ": "JWT"]
        if let kid { header["kid"] = .string(kid) }
        let signingInput =
            Crypto.base64URLEncode(Array(JSONValue.object(header).jsonString.utf8)) + "."
            + Crypto.base64URLEncode(Array(claims.jsonString.utf8))
        let signature = try key.signSHA256(Array(signingInput.utf8))
        return signingInput + "." + Crypto.base64URLEncode(signature)
    }

    /// The header of a token, unverified (to pick the key by `kid`).
    public static func header(of token: String) throws(JWTError) -> JSONValue {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw JWTError("malformed token: expected three segments") }
        return try decodeSegment(parts[0], "header")
    }

    /// Verifies signature (RS256 only), `exp`, `iat`, `nbf`, `iss` and `aud`; returns the claims.
    public static func verify(_ token: String, keys: (String?) -> RSAKey?, expect: Expectations, now: Date) throws(JWTError) -> JSONValue {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw JWTError("malformed token: expected three segments") }
        let header = try decodeSegment(parts[0], "header")
        guard header["alg"]?.stringValue == "RS256" else {
            throw JWTError("algorithm \(header["alg"]?.stringValue ?? "missing") is not allowed; only RS256")
        }
        let kid = header["kid"]?.stringValue
        guard let key = keys(kid) else { throw JWTError("unknown signing key \(kid ?? "(no kid)")") }
        guard let signature = Crypto.base64URLDecode(String(parts[2])), !signature.isEmpty else { throw JWTError("malformed signature") }
        guard key.verifySHA256(Array((parts[0] + "." + parts[1]).utf8), signature: signature) else {
            throw JWTError("signature does not verify")
        }
        let claims = try decodeSegment(parts[1], "claims")
        let time = now.timeIntervalSince1970
        guard let exp = claims["exp"]?.doubleValue else { throw JWTError("exp is missing") }
        guard time <= exp + expect.leeway else { throw JWTError("token expired") }
        if let iat = claims["iat"]?.doubleValue, iat > time + expect.leeway { throw JWTError("iat is in the future") }
        if let nbf = claims["nbf"]?.doubleValue, nbf > time + expect.leeway { throw JWTError("token not valid yet (nbf)") }
        guard let iss = claims["iss"]?.stringValue, expect.issuers.contains(iss) else {
            throw JWTError("issuer \(claims["iss"]?.stringValue ?? "missing") is not accepted")
        }
        let audiences = claims["aud"]?.arrayValue?.compactMap(\.stringValue) ?? [claims["aud"]?.stringValue].compactMap { $0 }
        guard audiences.contains(expect.audience) else { throw JWTError("audience does not match") }
        return claims
    }

    private static func decodeSegment(_ segment: Substring, _ name: String) throws(JWTError) -> JSONValue {
        guard let bytes = Crypto.base64URLDecode(String(segment)), let value = try? JSONValue.parse(Data(bytes)), value.objectValue != nil
        else {
            throw JWTError("malformed token \(name)")
        }
        return value
    }
}
