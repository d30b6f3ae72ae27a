import COpenSSL
import Foundation

/// The thin wrapper over OpenSSL: the only file that imports `COpenSSL`.
/// Everything above it works with `[UInt8]` and Swift errors.
enum OpenSSL {
    static func sha256(_ data: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        _ = data.withUnsafeBufferPointer { SHA256($0.baseAddress, $0.count, &digest) }
        return digest
    }

    static func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        key.withUnsafeBufferPointer { k in
            data.withUnsafeBufferPointer { d in
                _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress, d.count, &digest, &length)
            }
        }
        return Array(digest.prefix(Int(length)))
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }

    /// Fills `buffer` with random bytes from OpenSSL's generator (seeded from the kernel, then
    /// drawn in user space: no system call per draw).
    static func fillRandom(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        precondition(RAND_bytes(base.assumingMemoryBound(to: UInt8.self), Int32(buffer.count)) == 1, "OpenSSL RAND_bytes failed")
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { fillRandom($0) }
        return bytes
    }

    /// The queued OpenSSL error text, or `fallback`.
    static func lastError(_ fallback: String) -> String {
        let code = ERR_get_error()
        guard code != 0 else { return fallback }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        ERR_clear_error()
        return "\(fallback): \(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))"
    }
}

/// An RSA key held by OpenSSL (private for signing, public for verifying).
public final class RSAKey: @unchecked Sendable {
    // EVP_PKEY is reference counted and safe to share across threads for sign/verify with
    // separate contexts, which is how it is used here.
    fileprivate let pkey: OpaquePointer
    /// Whether the key can sign.
    public let isPrivate: Bool

    private init(pkey: OpaquePointer, isPrivate: Bool) throws(CryptoError) {
        guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA else {
            EVP_PKEY_free(pkey)
            throw CryptoError("the key is not an RSA key")
        }
        self.pkey = pkey
        self.isPrivate = isPrivate
    }

    deinit { EVP_PKEY_free(pkey) }

    /// Reads a PEM private key (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`).
    public convenience init(privateKeyPEM pem: String) throws(CryptoError) {
        guard let pkey = OpenSSL.withBIO(pem, { PEM_read_bio_PrivateKey($0, nil, nil, nil) }) else {
            throw CryptoError(OpenSSL.lastError("not a PEM private key"))
        }
        try self.init(pkey: pkey, isPrivate: true)
    }

    /// Reads a PEM public key (`PUBLIC KEY`) or the key of a PEM X.509 certificate.
    public convenience init(publicKeyPEM pem: String) throws(CryptoError) {
        if pem.contains("BEGIN CERTIFICATE") {
            guard let certificate = OpenSSL.withBIO(pem, { PEM_read_bio_X509($0, nil, nil, nil) }) else {
                throw CryptoError(OpenSSL.lastError("not a PEM certificate"))
            }
            defer { X509_free(certificate) }
            guard let pkey = X509_get_pubkey(certificate) else { throw CryptoError(OpenSSL.lastError("certificate has no public key")) }
            try self.init(pkey: pkey, isPrivate: false)
        } else {
            guard let pkey = OpenSSL.withBIO(pem, { PEM_read_bio_PUBKEY($0, nil, nil, nil) }) else {
                throw CryptoError(OpenSSL.lastError("not a PEM public key"))
            }
            try self.init(pkey: pkey, isPrivate: false)
        }
    }

    /// Builds a public key from a JWK's big-endian modulus `n` and exponent `e`.
    public convenience init(modulus: [UInt8], exponent: [UInt8]) throws(CryptoError) {
        guard !modulus.isEmpty, !exponent.isEmpty else { throw CryptoError("empty RSA modulus or exponent") }
        guard let pkey = tta_rsa_public_key(modulus, Int32(modulus.count), exponent, Int32(exponent.count)) else {
            throw CryptoError(OpenSSL.lastError("invalid RSA public key"))
        }
        try self.init(pkey: pkey, isPrivate: false)
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 (JWT `RS256`).
    public func signSHA256(_ message: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard isPrivate else { throw CryptoError("a public key cannot sign") }
        guard let context = EVP_MD_CTX_new() else { throw CryptoError("out of memory") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, pkey) == 1 else {
            throw CryptoError(OpenSSL.lastError("sign init failed"))
        }
        var length = 0
        guard EVP_DigestSign(context, nil, &length, message, message.count) == 1 else {
            throw CryptoError(OpenSSL.lastError("sign failed"))
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, message, message.count) == 1 else {
            throw CryptoError(OpenSSL.lastError("sign failed"))
        }
        return Array(signature.prefix(length))
    }

    /// Whether `signature` is a valid RS256 signature of `message` under this key.
    public func verifySHA256(_ message: [UInt8], signature: [UInt8]) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, pkey) == 1 else { return false }
        let ok = EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
        ERR_clear_error()
        return ok
    }
}

/// A key or signature that OpenSSL refused.
public struct CryptoError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension OpenSSL {
    static func withBIO<T>(_ text: String, _ body: (OpaquePointer) -> T?) -> T? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { buffer -> T? in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return body(bio)
        }
    }
}

extension OpenSSL {
    /// AES-256-GCM: `ciphertext || tag` (16-byte tag) of `plaintext` under a 32-byte `key` and a
    /// 12-byte `nonce`, authenticating `aad` too.
    static func aes256GCMSeal(key: [UInt8], nonce: [UInt8], aad: [UInt8], plaintext: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard key.count == 32, nonce.count == 12 else { throw CryptoError("AES-256-GCM needs a 32-byte key and a 12-byte nonce") }
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: plaintext.count + 16)
        var length: Int32 = 0
        var total = 0
        guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, key, nonce) == 1 else {
            throw CryptoError(lastError("AES-GCM init failed"))
        }
        if !aad.isEmpty {
            guard EVP_EncryptUpdate(context, nil, &length, aad, Int32(aad.count)) == 1 else { throw CryptoError(lastError("AES-GCM aad")) }
        }
        if !plaintext.isEmpty {
            guard EVP_EncryptUpdate(context, &output, &length, plaintext, Int32(plaintext.count)) == 1 else {
                throw CryptoError(lastError("AES-GCM encrypt failed"))
            }
            total = Int(length)
        }
        let finished = output.withUnsafeMutableBufferPointer { EVP_EncryptFinal_ex(context, $0.baseAddress! + total, &length) }
        guard finished == 1 else { throw CryptoError(lastError("AES-GCM final failed")) }
        total += Int(length)
        var tag = [UInt8](repeating: 0, count: 16)
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, 16, &tag) == 1 else { throw CryptoError(lastError("AES-GCM tag")) }
        return Array(output.prefix(total)) + tag
    }

    /// Opens what `aes256GCMSeal` made; throws when the tag does not verify (wrong key, nonce,
    /// aad, or altered bytes).
    static func aes256GCMOpen(key: [UInt8], nonce: [UInt8], aad: [UInt8], sealed: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard key.count == 32, nonce.count == 12, sealed.count >= 16 else { throw CryptoError("AES-256-GCM input is malformed") }
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(context) }
        let ciphertext = Array(sealed.dropLast(16))
        var tag = Array(sealed.suffix(16))
        var output = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var length: Int32 = 0
        var total = 0
        guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, key, nonce) == 1 else {
            throw CryptoError(lastError("AES-GCM init failed"))
        }
        if !aad.isEmpty {
            guard EVP_DecryptUpdate(context, nil, &length, aad, Int32(aad.count)) == 1 else { throw CryptoError(lastError("AES-GCM aad")) }
        }
        if !ciphertext.isEmpty {
            guard EVP_DecryptUpdate(context, &output, &length, ciphertext, Int32(ciphertext.count)) == 1 else {
                throw CryptoError(lastError("AES-GCM decrypt failed"))
            }
            total = Int(length)
        }
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, 16, &tag) == 1 else { throw CryptoError(lastError("AES-GCM tag")) }
        let finished = output.withUnsafeMutableBufferPointer { EVP_DecryptFinal_ex(context, $0.baseAddress! + total, &length) }
        ERR_clear_error()
        guard finished == 1 else { throw CryptoError("the sealed token does not verify under this key") }
        return Array(output.prefix(total + Int(length)))
    }
}
