import Foundation

/// Hashes, MACs, encodings and randomness on OpenSSL.
public enum Crypto {
    /// SHA-256 of `data`.
    public static func sha256(_ data: some Collection<UInt8>) -> [UInt8] { OpenSSL.sha256(Array(data)) }

    /// Lowercase hex SHA-256 of a string's UTF-8 bytes.
    public static func sha256Hex(_ text: String) -> String { hex(sha256(Array(text.utf8))) }

    /// HMAC-SHA256 of `data` under `key`.
    public static func hmacSHA256(key: some Collection<UInt8>, data: some Collection<UInt8>) -> [UInt8] {
        OpenSSL.hmacSHA256(key: Array(key), data: Array(data))
    }

    /// Compares in time independent of where the inputs differ.
    public static func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        OpenSSL.constantTimeEqual(Array(a), Array(b))
    }

    /// `count` cryptographically secure random bytes.
    public static func randomBytes(_ count: Int) -> [UInt8] { OpenSSL.randomBytes(count) }

    /// A random (version 4) UUID from OpenSSL's generator. Foundation's `UUID()` opens, reads
    /// and closes `/dev/urandom` for each one on Linux: three system calls per identifier.
    public static func randomUUID() -> UUID {
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { OpenSSL.fillRandom($0) }
        bytes.6 = (bytes.6 & 0x0F) | 0x40
        bytes.8 = (bytes.8 & 0x3F) | 0x80
        return UUID(uuid: bytes)
    }

    /// Lowercase hexadecimal.
    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses hexadecimal (either case); `nil` when malformed.
    public static func unhex(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// Base64url without padding (RFC 4648 section 5), as JWTs use.
    public static func base64URLEncode(_ bytes: some Collection<UInt8>) -> String {
        let base64 = Data(bytes).base64EncodedString().utf8
        return String(
            decoding: base64.lazy.filter { $0 != UInt8(ascii: "=") }.map { byte in
                byte == UInt8(ascii: "+") ? UInt8(ascii: "-") : byte == UInt8(ascii: "/") ? UInt8(ascii: "_") : byte
            }, as: UTF8.self)
    }

    /// Decodes base64url with or without padding; `nil` when malformed.
    public static func base64URLDecode(_ text: String) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "=") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 = base64.replacingOccurrences(of: "=", with: "")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { Array($0) }
    }
}
