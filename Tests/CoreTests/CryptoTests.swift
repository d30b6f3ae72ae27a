import Core
import Foundation
import TestSupport
import Testing

/// Vectors from RFC 4231 (HMAC-SHA256) and FIPS 180-2 (SHA-256); RSA material made by the
/// `openssl` command line.
@Suite struct CryptoTests {
    @Test(arguments: [
        // RFC 4231 test cases 1, 2, 3, 4, 6, 7.
        (
            "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        (
            "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        (
            String(repeating: "aa", count: 20), String(repeating: "dd", count: 50),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        ),
        (
            "0102030405060708090a0b0c0d0e0f10111213141516171819", String(repeating: "cd", count: 50),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        (
            String(repeating: "aa", count: 131),
            "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        (
            String(repeating: "aa", count: 131),
            "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        ),
    ])
    func hmacSHA256MatchesRFC4231(key: String, data: String, expected: String) throws {
        let mac = Crypto.hmacSHA256(key: try #require(Crypto.unhex(key)), data: try #require(Crypto.unhex(data)))
        #expect(Crypto.hex(mac) == expected)
    }

    @Test func sha256MatchesFIPSVectors() {
        #expect(Crypto.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Crypto.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func constantTimeCompareTellsEqualFromUnequal() {
        #expect(Crypto.constantTimeEqual(Array("same".utf8), Array("same".utf8)))
        #expect(!Crypto.constantTimeEqual(Array("same".utf8), Array("sane".utf8)))
        #expect(!Crypto.constantTimeEqual(Array("short".utf8), Array("shorter".utf8)))
    }

    @Test func randomUUIDsAreVersionFourAndDoNotRepeat() {
        let ids = (0..<2_000).map { _ in Crypto.randomUUID() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let text = id.uuidString.lowercased()
            let version = text[text.index(text.startIndex, offsetBy: 14)]
            let variant = text[text.index(text.startIndex, offsetBy: 19)]
            #expect(version == "4" && "89ab".contains(variant), "\(text)")
            #expect(UUID(uuidString: text) == id)
        }
        // Every other bit takes both values across the draws.
        let bytes = ids.map { withUnsafeBytes(of: $0.uuid) { Array($0) } }
        let ored = bytes.reduce([UInt8](repeating: 0, count: 16)) { zip($0, $1).map { $0 | $1 } }
        let anded = bytes.reduce([UInt8](repeating: 0xFF, count: 16)) { zip($0, $1).map { $0 & $1 } }
        #expect(ored[6] == 0x4F && anded[6] == 0x40 && ored[8] == 0xBF && anded[8] == 0x80)
        #expect(ored.enumerated().allSatisfy { $0.offset == 6 || $0.offset == 8 || $0.element == 0xFF })
        #expect(anded.enumerated().allSatisfy { $0.offset == 6 || $0.offset == 8 || $0.element == 0 })
    }

    @Test func aUUIDsLowercasedFormIsFoundationsLowercased() {
        let fixed = [
            "00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "0A1B2C3D-4E5F-6A7B-8C9D-AEBFC0D1E2F3",
        ].map { UUID(uuidString: $0)! }
        for id in fixed + (0..<500).map({ _ in Crypto.randomUUID() }) {
            #expect(id.lowercasedString == id.uuidString.lowercased())
            #expect(WorkspaceID(id).description == id.uuidString.lowercased())
        }
    }

    @Test func base64URLRoundTripsWithoutPadding() {
        let bytes: [UInt8] = [0xfb, 0xff, 0xfe, 0x00, 0x01]
        #expect(Crypto.base64URLEncode(bytes) == "-__-AAE")
        #expect(Crypto.base64URLDecode("-__-AAE") == bytes)
        #expect(Crypto.base64URLDecode("not base64!") == nil)
    }

    @Test func rs256SignaturesInteroperateWithTheOpenSSLCommandLine() throws {
        let keys = try OpenSSLKeys.make()
        let message = Array("the payload to sign".utf8)
        let ours = try RSAKey(privateKeyPEM: keys.privatePEM).signSHA256(message)
        #expect(try keys.verifyWithCLI(message: message, signature: ours), "openssl accepts our signature")
        let theirs = try keys.signWithCLI(message: message)
        #expect(ours == theirs, "PKCS#1 v1.5 is deterministic")
        let publicKey = try RSAKey(publicKeyPEM: keys.publicPEM)
        #expect(publicKey.verifySHA256(message, signature: theirs))
        #expect(!publicKey.verifySHA256(Array("tampered".utf8), signature: theirs))
        let jwk = try RSAKey(modulus: keys.modulus, exponent: [0x01, 0x00, 0x01])
        #expect(jwk.verifySHA256(message, signature: theirs), "the JWK form of the same key verifies")
        #expect(throws: CryptoError.self) { try publicKey.signSHA256(message) }
        #expect(throws: CryptoError.self) { try RSAKey(privateKeyPEM: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----") }
    }
}

@Suite struct JWTTests {
    static let keys = try! OpenSSLKeys.make()
    static let signer = try! RSAKey(privateKeyPEM: keys.privatePEM)
    static let verifier = try! RSAKey(publicKeyPEM: keys.publicPEM)
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let expect = JWT.Expectations(issuers: ["https://accounts.google.com"], audience: "https://army.example/webhooks/pubsub")

    static func claims(_ overrides: [String: JSONValue] = [:]) -> JSONValue {
        var claims: [String: JSONValue] = [
            "iss": "https://accounts.google.com", "aud": "https://army.example/webhooks/pubsub",
            "iat": .number(now.timeIntervalSince1970 - 10), "exp": .number(now.timeIntervalSince1970 + 3600),
            "email": "pusher@project.iam.gserviceaccount.com", "email_verified": true,
        ]
        for (key, value) in overrides { claims[key] = value }
        return .object(claims)
    }

    static func verify(_ token: String) throws(JWTError) -> JSONValue {
        try JWT.verify(token, keys: { $0 == "k1" ? verifier : nil }, expect: expect, now: now)
    }

    @Test func aValidTokenVerifies() throws {
        let token = try JWT.sign(claims: Self.claims(), key: Self.signer, kid: "k1")
        let claims = try Self.verify(token)
        #expect(claims["email"] == "pusher@project.iam.gserviceaccount.com")
        #expect(try JWT.header(of: token)["kid"] == "k1")
    }

    @Test func aTokenSignedByTheOpenSSLCommandLineVerifies() throws {
        let header = Crypto.base64URLEncode(Array(#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#.utf8))
        let payload = Crypto.base64URLEncode(Array(Self.claims().jsonString.utf8))
        let signature = try Self.keys.signWithCLI(message: Array("\(header).\(payload)".utf8))
        let claims = try Self.verify("\(header).\(payload).\(Crypto.base64URLEncode(signature))")
        #expect(claims["iss"] == "https://accounts.google.com")
    }

    static let claimFailures: [(label: String, overrides: [String: JSONValue], reason: String)] = [
        ("wrong aud", ["aud": .string("https://elsewhere.example")], "audience"),
        ("wrong iss", ["iss": .string("https://evil.example")], "issuer"),
        ("expired", ["exp": .number(1_800_000_000 - 3600)], "expired"),
        ("future iat", ["iat": .number(1_800_000_000 + 3600)], "iat"),
        ("no exp", ["exp": .null], "exp"),
    ]

    @Test(arguments: 0..<5)
    func aTokenFailingAClaimCheckIsRejected(index: Int) throws {
        let (label, overrides, reason) = Self.claimFailures[index]
        let token = try JWT.sign(claims: Self.claims(overrides), key: Self.signer, kid: "k1")
        let error = #expect(throws: JWTError.self, "\(label)") { try Self.verify(token) }
        #expect(error?.description.contains(reason) == true, "\(label): \(error?.description ?? "")")
    }

    @Test func anUnknownKidIsRejected() throws {
        let token = try JWT.sign(claims: Self.claims(), key: Self.signer, kid: "rotated-away")
        let error = #expect(throws: JWTError.self) { try Self.verify(token) }
        #expect(error?.description.contains("unknown signing key") == true)
    }

    @Test func algNoneAndHS256AreRejected() throws {
        let payload = Crypto.base64URLEncode(Array(Self.claims().jsonString.utf8))
        for alg in ["none", "HS256"] {
            let header = Crypto.base64URLEncode(Array(#"{"alg":"\#(alg)","kid":"k1"}"#.utf8))
            let error = #expect(throws: JWTError.self) { try Self.verify("\(header).\(payload).") }
            #expect(error?.description.contains("not allowed") == true)
        }
    }

    @Test func aTamperedOrMalformedTokenIsRejected() throws {
        let token = try JWT.sign(claims: Self.claims(), key: Self.signer, kid: "k1")
        let parts = token.split(separator: ".")
        let forged = Crypto.base64URLEncode(Array(Self.claims(["email": "attacker@example.com"]).jsonString.utf8))
        #expect(throws: JWTError.self) { try Self.verify("\(parts[0]).\(forged).\(parts[2])") }
        #expect(throws: JWTError.self) { try Self.verify("only.two") }
        #expect(throws: JWTError.self) { try Self.verify("!!.@@.##") }
    }
}
