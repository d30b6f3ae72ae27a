import Foundation

/// Seals account tokens at rest with AES-256-GCM (OpenSSL): `nonce(12) || ciphertext || tag(16)`,
/// the account's id as additional data so a sealed token cannot be moved to another row. Each
/// sealed value is stored with its key id, so the key can be rotated: `current` seals, every key
/// in `keys` opens.
public struct TokenCipher: Sendable {
    /// The id of the key that seals: the first 8 bytes of its SHA-256, in hex.
    public let keyId: String
    private let keys: [String: [UInt8]]

    /// `key` seals and opens; `previous` keys only open (values sealed before a rotation).
    public init(key: [UInt8], previous: [[UInt8]] = []) throws(CryptoError) {
        guard key.count == 32, previous.allSatisfy({ $0.count == 32 }) else { throw CryptoError("a token key is 32 bytes") }
        keyId = Self.id(of: key)
        var keys: [String: [UInt8]] = [:]
        for old in previous { keys[Self.id(of: old)] = old }
        keys[keyId] = key
        self.keys = keys
    }

    /// Parses base64 keys (`TOKEN_ENCRYPTION_KEY` and the comma-separated previous ones).
    public init(base64 key: String, previous: [String] = []) throws(CryptoError) {
        func decode(_ text: String) throws(CryptoError) -> [UInt8] {
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
                throw CryptoError("a token key is 32 bytes, base64-encoded")
            }
            return Array(data)
        }
        var old: [[UInt8]] = []
        for text in previous where !text.isEmpty { old.append(try decode(text)) }
        try self.init(key: try decode(key), previous: old)
    }

    /// A new random key, base64.
    public static func generateKey() -> String { Data(Crypto.randomBytes(32)).base64EncodedString() }

    static func id(of key: [UInt8]) -> String { Crypto.hex(Crypto.sha256(key).prefix(8)) }

    /// Seals `token` for the row `binding` (the account's id).
    public func seal(_ token: String, binding: String) throws(CryptoError) -> [UInt8] {
        let nonce = Crypto.randomBytes(12)
        return nonce + (try OpenSSL.aes256GCMSeal(key: keys[keyId]!, nonce: nonce, aad: Array(binding.utf8), plaintext: Array(token.utf8)))
    }

    /// Opens a value sealed under `keyId` for `binding`.
    public func open(_ sealed: [UInt8], keyId: String, binding: String) throws(CryptoError) -> String {
        guard let key = keys[keyId] else { throw CryptoError("no token key with id \(keyId) is configured (was the key rotated away?)") }
        guard sealed.count > 28 else { throw CryptoError("the sealed token is too short") }
        let opened = try OpenSSL.aes256GCMOpen(
            key: key, nonce: Array(sealed.prefix(12)), aad: Array(binding.utf8), sealed: Array(sealed.dropFirst(12)))
        guard let text = String(bytes: opened, encoding: .utf8) else { throw CryptoError("the sealed token is not text") }
        return text
    }

    /// Whether values sealed under `keyId` should be re-sealed under the current key.
    public func isStale(_ keyId: String) -> Bool { keyId != self.keyId }
}
