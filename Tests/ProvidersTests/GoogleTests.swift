import Core
import Foundation
import Providers
import TestSupport
import Testing

@Suite struct GoogleAuthTests {
    static let keys = try! OpenSSLKeys.make()

    @Test func aServiceAccountExchangesASignedAssertionForAnIDTokenAndCachesIt() async throws {
        let publicKey = try RSAKey(publicKeyPEM: Self.keys.publicPEM)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let tokenURI = Locked("")
        let server = FakeServer { request, _ in
            let form = String(decoding: request.body, as: UTF8.self)
            let assertion = form.components(separatedBy: "assertion=").last ?? ""
            guard form.hasPrefix("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&"),
                let claims = try? JWT.verify(
                    assertion, keys: { $0 == "key-1" ? publicKey : nil },
                    expect: .init(issuers: ["army@p.iam.gserviceaccount.com"], audience: tokenURI.value), now: now),
                claims["target_audience"] == "https://studio.example", claims["sub"] == nil,
                claims["exp"]?.doubleValue == now.timeIntervalSince1970 + 3600
            else { return .json(["error": "invalid_grant", "error_description": "bad assertion"], status: 400) }
            let idToken = "h." + Crypto.base64URLEncode(Array(#"{"exp":1800003600}"#.utf8)) + ".s"
            return .json(["id_token": .string(idToken)])
        }
        try await server.run { base in
            tokenURI.value = base + "/token"
            let key = ServiceAccountKey(
                clientEmail: "army@p.iam.gserviceaccount.com", privateKey: Self.keys.privatePEM, privateKeyId: "key-1",
                tokenUri: base + "/token")
            let source = try ServiceAccountTokenSource(key: key, transport: CurlTransport(), clock: .fixed(now))
            let first = try await source.idToken(audience: "https://studio.example")
            // A first fetch the loaded test machine answers late may have been retried.
            let fetched = server.requests.count
            let second = try await source.idToken(audience: "https://studio.example")
            #expect(first == second)
            #expect(first.hasPrefix("h."))
            #expect(fetched >= 1 && server.requests.count == fetched, "cached until shortly before expiry")
        }
    }

    @Test func theMetadataServerPathSendsMetadataFlavor() async throws {
        let server = FakeServer { request, _ in
            guard request.header("metadata-flavor") == "Google" else { return FakeReply(status: 403) }
            return FakeReply(status: 200, body: Data("eyJ.id.token".utf8))
        }
        try await server.run { base in
            let token = try await MetadataServerTokenSource(baseURL: base, transport: CurlTransport()).idToken(
                audience: "https://svc.example")
            #expect(token == "eyJ.id.token")
        }
        #expect(server.requests[0].path == "/computeMetadata/v1/instance/service-accounts/default/identity")
        #expect(server.requests[0].query == "audience=https%3A%2F%2Fsvc.example&format=full")
    }
}

@Suite struct OIDCVerifierTests {
    static let keys = try! OpenSSLKeys.make()
    static let signer = try! RSAKey(privateKeyPEM: keys.privatePEM)
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func jwks() -> JSONValue {
        [
            "keys": [
                ["kty": "RSA", "alg": "RS256", "use": "sig", "kid": "g1", "n": .string(Crypto.base64URLEncode(keys.modulus)), "e": "AQAB"]
            ]
        ]
    }

    static func token(_ overrides: [String: JSONValue] = [:], kid: String = "g1") throws -> String {
        var claims: [String: JSONValue] = [
            "iss": "https://accounts.google.com", "aud": "https://army.example/webhooks/pubsub",
            "iat": .number(now.timeIntervalSince1970 - 5),
            "exp": .number(now.timeIntervalSince1970 + 3000), "email": "push@p.iam.gserviceaccount.com", "email_verified": true,
        ]
        for (key, value) in overrides { claims[key] = value }
        return try JWT.sign(claims: .object(claims), key: signer, kid: kid)
    }

    @Test func tokensAreVerifiedAgainstFetchedKeysWhichAreCached() async throws {
        let server = FakeServer { _, _ in .json(Self.jwks(), headers: ["cache-control": "public, max-age=3600"]) }
        try await server.run { base in
            let verifier = OIDCVerifier(certsURL: base + "/certs", transport: CurlTransport(), clock: .fixed(Self.now))
            let claims = try await verifier.verify(
                try Self.token(), audience: "https://army.example/webhooks/pubsub", email: "push@p.iam.gserviceaccount.com")
            #expect(claims["email"] == "push@p.iam.gserviceaccount.com")
            // A first fetch the loaded test machine answers late may have been retried.
            let fetched = server.requests.count
            _ = try await verifier.verify(try Self.token(), audience: "https://army.example/webhooks/pubsub", email: nil)
            #expect(fetched >= 1 && server.requests.count == fetched, "the keys are cached")
        }
    }

    @Test func badTokensAreRejectedNamingTheCheck() async throws {
        let server = FakeServer { _, _ in .json(Self.jwks(), headers: ["cache-control": "max-age=3600"]) }
        try await server.run { base in
            let verifier = OIDCVerifier(certsURL: base + "/certs", transport: CurlTransport(), clock: .fixed(Self.now))
            let none =
                Crypto.base64URLEncode(Array(#"{"alg":"none","kid":"g1"}"#.utf8)) + "."
                + Crypto.base64URLEncode(Array(#"{"iss":"https://accounts.google.com"}"#.utf8)) + "."
            let cases: [(String, String)] = [
                (try Self.token(["aud": "https://elsewhere"]), "audience"),
                (try Self.token(["iss": "https://evil.example"]), "issuer"),
                (try Self.token(["exp": .number(Self.now.timeIntervalSince1970 - 600)]), "expired"),
                (try Self.token(kid: "unknown"), "unknown signing key"),
                (none, "not allowed"),
                (try Self.token(["email": "other@p.iam.gserviceaccount.com"]), "email does not match"),
                (try Self.token(["email_verified": false]), "not verified"),
            ]
            for (token, reason) in cases {
                do {
                    _ = try await verifier.verify(
                        token, audience: "https://army.example/webhooks/pubsub", email: "push@p.iam.gserviceaccount.com")
                    Issue.record("accepted a token that should fail on \(reason)")
                } catch let error as JWTError {
                    #expect(error.description.contains(reason), "\(reason): \(error)")
                }
            }
        }
    }

    @Test func pemCertificateMapsAreAcceptedToo() async throws {
        let certificate = try OpenSSLKeys.cli([
            "openssl", "req", "-new", "-x509", "-key", Self.keys.folder + "/private.pem", "-subj", "/CN=test", "-days", "1",
        ])
        let server = FakeServer { _, _ in .json(["pem1": .string(certificate)]) }
        try await server.run { base in
            let verifier = OIDCVerifier(certsURL: base + "/v1/certs", transport: CurlTransport(), clock: .fixed(Self.now))
            let claims = try await verifier.verify(
                try Self.token(kid: "pem1"), audience: "https://army.example/webhooks/pubsub", email: nil)
            #expect(claims["iss"] == "https://accounts.google.com")
        }
    }
}

@Suite struct CloudTasksAndPubSubTests {
    struct FixedTokens: GoogleTokenSource {
        func idToken(audience: String) async throws -> String { "id-\(audience)" }
        func accessToken(scopes: [String]) async throws -> String { "ya29.test" }
    }

    @Test func aStepTaskIsNamedByStepAndCarriesAnOIDCToken() async throws {
        let server = FakeServer { _, index in
            index == 0
                ? .json(["name": "x"]) : .json(["error": ["code": 409, "status": "ALREADY_EXISTS", "message": "exists"]], status: 409)
        }
        try await server.run { base in
            let client = CloudTasksClient(
                baseURL: base, project: "p", location: "us-central1", queue: "steps",
                serviceAccountEmail: "tasks@p.iam.gserviceaccount.com", tokens: FixedTokens(), transport: CurlTransport())
            let created = try await client.enqueue(
                taskId: "step-1", url: "https://army.example/internal/steps/run", body: ["step_id": "step-1"],
                audience: "https://army.example")
            let again = try await client.enqueue(
                taskId: "step-1", url: "https://army.example/internal/steps/run", body: ["step_id": "step-1"],
                audience: "https://army.example")
            #expect(created == true && again == false)
        }
        let sent = try #require(server.requests.first)
        #expect(sent.path == "/v2/projects/p/locations/us-central1/queues/steps/tasks")
        #expect(sent.header("authorization") == "Bearer ya29.test")
        let task = try #require(sent.json?["task"])
        #expect(task["name"] == "projects/p/locations/us-central1/queues/steps/tasks/step-1")
        #expect(
            task["httpRequest"]?["oidcToken"] == [
                "serviceAccountEmail": "tasks@p.iam.gserviceaccount.com", "audience": "https://army.example",
            ])
        let body = try #require(task["httpRequest"]?["body"]?.stringValue.flatMap { Data(base64Encoded: $0) })
        #expect(try JSONValue.parse(body) == ["step_id": "step-1"])
        #expect(server.requests.count == 2, "409 is not retried")
    }

    @Test func publishingToTheEmulatorSendsBase64DataWithoutAuth() async throws {
        let server = FakeServer { _, _ in .json(["messageIds": ["m-1"]]) }
        try await server.run { base in
            let host = base.replacingOccurrences(of: "http://", with: "")
            let publisher = PubSubPublisher(project: "p", emulatorHost: host, tokens: FixedTokens(), transport: CurlTransport())
            let ids = try await publisher.publish(
                topic: "audit-event",
                messages: [OutgoingMessage(data: Data(#"{"event":"agent_run.started"}"#.utf8), attributes: ["workspace_id": "w"])])
            #expect(ids == ["m-1"])
        }
        let sent = try #require(server.requests.first)
        #expect(sent.path == "/v1/projects/p/topics/audit-event:publish")
        #expect(sent.header("authorization") == nil)
        let message = try #require(sent.json?["messages"]?.arrayValue?.first)
        #expect(message["attributes"] == ["workspace_id": "w"])
        #expect(message["data"]?.stringValue.flatMap { Data(base64Encoded: $0) } == Data(#"{"event":"agent_run.started"}"#.utf8))
    }
}
