import Core
import Foundation

/// An RSA key pair made by the `openssl` command line, and CLI sign/verify.
public struct OpenSSLKeys: Sendable {
    public let folder: String
    public let privatePEM: String
    public let publicPEM: String
    public let modulus: [UInt8]

    public static func make() throws -> OpenSSLKeys {
        let folder = NSTemporaryDirectory() + "jwt-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try cli(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", folder + "/private.pem"])
        try cli(["openssl", "pkey", "-in", folder + "/private.pem", "-pubout", "-out", folder + "/public.pem"])
        let modulusLine = try cli(["openssl", "rsa", "-pubin", "-in", folder + "/public.pem", "-noout", "-modulus"])
        let hex = modulusLine.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "Modulus=", with: "")
        return OpenSSLKeys(
            folder: folder,
            privatePEM: try String(contentsOfFile: folder + "/private.pem", encoding: .utf8),
            publicPEM: try String(contentsOfFile: folder + "/public.pem", encoding: .utf8),
            modulus: Crypto.unhex(hex)!)
    }

    public func signWithCLI(message: [UInt8]) throws -> [UInt8] {
        let input = folder + "/message-\(UUID().uuidString)"
        try Data(message).write(to: URL(fileURLWithPath: input))
        try Self.cli(["openssl", "dgst", "-sha256", "-sign", folder + "/private.pem", "-out", input + ".sig", input])
        return Array(try Data(contentsOf: URL(fileURLWithPath: input + ".sig")))
    }

    public func verifyWithCLI(message: [UInt8], signature: [UInt8]) throws -> Bool {
        let input = folder + "/message-\(UUID().uuidString)"
        try Data(message).write(to: URL(fileURLWithPath: input))
        try Data(signature).write(to: URL(fileURLWithPath: input + ".sig"))
        return try ChildProcess.run(["openssl", "dgst", "-sha256", "-verify", folder + "/public.pem", "-signature", input + ".sig", input])
            .succeeded
    }

    @discardableResult
    public static func cli(_ arguments: [String]) throws -> String {
        let outcome = try ChildProcess.run(arguments)
        guard outcome.succeeded else { throw CryptoError("\(arguments.joined(separator: " ")): \(outcome.output)") }
        return outcome.output
    }
}

/// HMAC-SHA256 computed by the `openssl` command line, lowercase hex — an independent check of
/// signatures the code under test makes or verifies.
public func opensslHMAC(key: String, message: Data) throws -> String {
    let path = NSTemporaryDirectory() + "hmac-" + UUID().uuidString
    try message.write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let output = try OpenSSLKeys.cli(["openssl", "dgst", "-sha256", "-hmac", key, "-r", path])
    return String(output.prefix { $0 != " " })
}
