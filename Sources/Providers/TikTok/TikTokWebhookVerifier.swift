import Core
import Foundation

/// Why a webhook delivery was refused.
public struct WebhookSignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Checks `TikTok-Signature: t=<unix seconds>,s=<hex>`: HMAC-SHA256 of `t + "." + raw body`
/// keyed with the client secret, compared in constant time, within a tolerance of `t`.
public struct TikTokWebhookVerifier: Sendable {
    private let secret: [UInt8]
    public var tolerance: TimeInterval
    public var clock: Clock

    public init(clientSecret: String, tolerance: TimeInterval = 300, clock: Clock = .system) {
        self.secret = Array(clientSecret.utf8)
        self.tolerance = tolerance
        self.clock = clock
    }

    /// The signature header value for `body` at `timestamp` (for tests and tooling).
    public func signature(body: Data, timestamp: Int) -> String {
        "t=\(timestamp),s=" + Crypto.hex(Crypto.hmacSHA256(key: secret, data: Array("\(timestamp).".utf8) + Array(body)))
    }

    /// Throws unless the header is well formed, fresh and matches.
    public func verify(header: String?, body: Data) throws(WebhookSignatureError) {
        guard let header, !header.isEmpty else { throw WebhookSignatureError("missing TikTok-Signature header") }
        var fields: [String: String] = [:]
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { throw WebhookSignatureError("malformed TikTok-Signature header") }
            fields[pair[0]] = pair[1]
        }
        guard let t = fields["t"], let timestamp = Int(t), let s = fields["s"], let given = Crypto.unhex(s), given.count == 32 else {
            throw WebhookSignatureError("malformed TikTok-Signature header")
        }
        guard abs(clock.now().timeIntervalSince1970 - Double(timestamp)) <= tolerance else {
            throw WebhookSignatureError("stale signature timestamp")
        }
        let expected = Crypto.hmacSHA256(key: secret, data: Array("\(timestamp).".utf8) + Array(body))
        guard Crypto.constantTimeEqual(expected, given) else { throw WebhookSignatureError("signature does not match") }
    }
}
