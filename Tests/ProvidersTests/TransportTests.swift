import Core
import Foundation
import Providers
import TestSupport
import Testing

@Suite struct CurlTransportTests {
    let transport = CurlTransport()

    @Test func sendsMethodPathHeadersAndBodyAndReadsTheReply() async throws {
        let server = FakeServer { request, _ in
            .json(["echo": .string(request.method + " " + request.path)], status: 201, headers: ["x-request-id": "req_1"])
        }
        try await server.run { base in
            let response = try await transport.send(
                .json("POST", base + "/v1/things?x=1", ["name": "widget"], headers: [HTTPHeader("x-api-key", "k")]))
            #expect(response.status == 201)
            #expect(response.header("X-Request-Id") == "req_1")
            #expect(response.json?["echo"] == "POST /v1/things")
        }
        let request = try #require(server.requests.first)
        #expect(request.query == "x=1")
        #expect(request.header("x-api-key") == "k")
        #expect(request.header("content-type") == "application/json")
        #expect(request.json == ["name": "widget"])
        #expect(request.header("expect") == nil)
    }

    @Test func putAndDeleteCarryTheirMethod() async throws {
        let server = FakeServer { _, _ in FakeReply(status: 204) }
        try await server.run { base in
            let put = try await transport.send(HTTPRequest(method: "PUT", url: base + "/upload", body: Data([1, 2, 3])))
            let delete = try await transport.send(HTTPRequest(method: "DELETE", url: base + "/thing"))
            #expect(put.status == 204 && delete.status == 204)
        }
        #expect(server.requests.map(\.method) == ["PUT", "DELETE"])
        #expect(server.requests[0].body == Data([1, 2, 3]))
    }

    @Test func aBodyOverTheLimitFails() async throws {
        let server = FakeServer { _, _ in FakeReply(body: Data(repeating: 65, count: 200_000)) }
        try await server.run { base in
            let error = await #expect(throws: HTTPTransportError.self) {
                try await transport.send(HTTPRequest(url: base + "/big", maxResponseBytes: 100_000))
            }
            #expect(error == .responseTooLarge(limit: 100_000))
        }
    }

    @Test func aResponseSlowerThanTheTimeoutFails() async throws {
        let server = FakeServer { _, _ in FakeReply(delay: .seconds(2)) }
        try await server.run { base in
            let error = await #expect(throws: HTTPTransportError.self) {
                try await transport.send(HTTPRequest(url: base + "/slow", timeout: .milliseconds(300)))
            }
            guard case .timeout = error else {
                Issue.record("expected a timeout, got \(String(describing: error))")
                return
            }
        }
    }

    @Test func aRefusedConnectionIsAConnectionFailure() async throws {
        let error = await #expect(throws: HTTPTransportError.self) {
            try await transport.send(HTTPRequest(url: "http://127.0.0.1:1/nothing", connectTimeout: .seconds(2)))
        }
        #expect(error?.isTransient == true)
    }

    @Test func redirectsAreNotFollowedUnlessAsked() async throws {
        let server = FakeServer { request, _ in
            request.path == "/old" ? FakeReply(status: 302, headers: ["location": "/new"]) : FakeReply(status: 200, body: Data("new".utf8))
        }
        try await server.run { base in
            let unfollowed = try await transport.send(HTTPRequest(url: base + "/old"))
            #expect(unfollowed.status == 302)
            let followed = try await transport.send(HTTPRequest(url: base + "/old", followRedirects: true))
            #expect(followed.status == 200 && followed.text == "new")
        }
    }

    @Test func malformedRequestsAreRefusedBeforeSending() async throws {
        for url in ["ftp://example.com/x", "file:///etc/passwd", "gopher://127.0.0.1:70/_x", "dict://127.0.0.1:11211/stat"] {
            let refused = await #expect(throws: HTTPTransportError.self) { try await transport.send(HTTPRequest(url: url)) }
            #expect(refused?.description.contains("not an http(s) URL") == true, "\(url)")
        }
        await #expect(throws: HTTPTransportError.self) {
            try await transport.send(HTTPRequest(url: "http://127.0.0.1:1/", headers: [HTTPHeader("x-evil", "a\r\nInjected: yes")]))
        }
    }

    @Test func aRedirectToAnotherProtocolIsNotFollowed() async throws {
        let server = FakeServer { _, _ in FakeReply(status: 302, headers: ["location": "file:///etc/passwd"]) }
        let transport = self.transport
        try await server.run { base in
            var request = HTTPRequest(url: base + "/moved")
            request.followRedirects = true
            let outcome = await #expect(throws: HTTPTransportError.self) { try await transport.send(request) }
            #expect(outcome?.description.contains("root:") == false)
        }
    }

    @Test func twoHundredConcurrentRequestsCompleteOnOneDriverThread() async throws {
        // The server answers none until all 200 have arrived, so they must all be in flight at once.
        let arrived = Locked(0)
        let server = FakeServer { request, _ in
            arrived.mutate { $0 += 1 }
            try? await eventually("200 requests in flight", within: .seconds(60)) { arrived.value >= 200 }
            return FakeReply(body: Data(request.path.utf8))
        }
        let transport = CurlTransport()
        try await server.run { base in
            let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                for i in 0..<200 { group.addTask { try await transport.send(HTTPRequest(url: base + "/r/\(i)")).text } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(bodies == Set((0..<200).map { "/r/\($0)" }))
        }
        #expect(server.requests.count == 200)
        #expect(transport.stats == .init(inFlight: 0, peakInFlight: 200, driverThreads: 1))
    }

    @Test func cancellingATaskCancelsItsTransfer() async throws {
        let release = Latch()
        let replied = Locked(false)
        let server = FakeServer { _, _ in
            try? await eventually("the test let the server answer") { release.isOpen }
            replied.value = true
            return FakeReply()
        }
        let transport = CurlTransport()
        try await server.run { base in
            let task = Task { try await transport.send(HTTPRequest(url: base + "/slow")) }
            try await eventually("the request reached the server") { server.requests.count == 1 }
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            #expect(transport.stats.inFlight == 0 && !replied.value, "the transfer ended before the server answered")
            release.open()
        }
    }
}

@Suite struct RetryPolicyTests {
    static let noSleep = RetryPolicy(maxRetries: 3, random: { 0.5 }, sleep: { _ in })

    @Test func backoffGrowsExponentiallyWithJitterAndIsCapped() {
        let policy = RetryPolicy(random: { 0 })
        #expect(policy.delay(retry: 0, response: nil) == .milliseconds(500))
        #expect(policy.delay(retry: 1, response: nil) == .milliseconds(1000))
        #expect(policy.delay(retry: 10, response: nil) == .milliseconds(8000))
        let jittered = RetryPolicy(random: { 1 })
        #expect(jittered.delay(retry: 0, response: nil) == .milliseconds(375))
    }

    @Test func serverAdviceIsHonouredWithinSixtySeconds() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let policy = RetryPolicy(random: { 0 }, now: { now })
        func response(_ headers: [HTTPHeader]) -> HTTPResponse { HTTPResponse(status: 429, headers: headers, body: Data()) }
        #expect(policy.delay(retry: 0, response: response([HTTPHeader("retry-after-ms", "1234")])) == .milliseconds(1234))
        #expect(policy.delay(retry: 0, response: response([HTTPHeader("retry-after", "3")])) == .milliseconds(3000))
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        let target = Date(timeIntervalSince1970: 1_800_000_000)
        let date = formatter.string(from: target)
        let dated = RetryPolicy(random: { 0 }, now: { target.addingTimeInterval(-7) })
        #expect(dated.delay(retry: 0, response: response([HTTPHeader("retry-after", date)])) == .milliseconds(7000))
        #expect(
            policy.delay(retry: 0, response: response([HTTPHeader("retry-after", "600")])) == .milliseconds(500),
            "over 60 s falls back to backoff")
    }

    @Test func retryableStatusesFollowTheSDK() {
        func response(_ status: Int, _ headers: [HTTPHeader] = []) -> HTTPResponse {
            HTTPResponse(status: status, headers: headers, body: Data())
        }
        for status in [408, 409, 429, 500, 502, 529] { #expect(RetryPolicy.shouldRetry(response(status)), "\(status)") }
        for status in [200, 400, 401, 403, 404, 413] { #expect(!RetryPolicy.shouldRetry(response(status)), "\(status)") }
        #expect(!RetryPolicy.shouldRetry(response(500, [HTTPHeader("x-should-retry", "false")])))
        #expect(RetryPolicy.shouldRetry(response(400, [HTTPHeader("x-should-retry", "true")])))
    }

    @Test func retriesUntilSuccessThenStops() async throws {
        let server = FakeServer { _, index in index < 2 ? FakeReply(status: 529) : FakeReply(status: 200) }
        try await server.run { base in
            let response = try await Self.noSleep.send(HTTPRequest(url: base + "/x"), over: CurlTransport())
            #expect(response.status == 200)
        }
        #expect(server.requests.count == 3)
    }

    @Test func givesUpAfterMaxRetriesReturningTheLastResponse() async throws {
        let server = FakeServer { _, _ in FakeReply(status: 500) }
        try await server.run { base in
            let response = try await Self.noSleep.send(HTTPRequest(url: base + "/x"), over: CurlTransport())
            #expect(response.status == 500)
        }
        #expect(server.requests.count == 4)
    }
}
