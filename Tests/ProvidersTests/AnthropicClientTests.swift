import Core
import Foundation
import Providers
import TestSupport
import Testing

@Suite struct AnthropicClientTests {
    static let success: JSONValue = [
        "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-5-5",
        "content": [["type": "text", "text": "Hello"], ["type": "text", "text": " there"]],
        "stop_reason": "end_turn",
        "usage": [
            "input_tokens": 12, "output_tokens": 7, "cache_creation_input_tokens": 1500, "cache_read_input_tokens": 3000,
            "cache_creation": ["ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 1000],
        ],
    ]

    static func client(_ base: String, retries: Int = 2, timeout: Duration = .seconds(30)) -> AnthropicClient {
        AnthropicClient(
            baseURL: base, apiKey: "sk-test", transport: CurlTransport(),
            retry: RetryPolicy(maxRetries: retries, random: { 0 }, sleep: { _ in }), timeout: timeout)
    }

    static let request = ClaudeRequest(
        model: "claude-sonnet-5-5", maxTokens: 512,
        system: [
            SystemBlock("You are a TikTok strategist.", cache: .oneHour), SystemBlock("Be brief.", cache: .fiveMinutes),
            SystemBlock("Today."),
        ],
        messages: [ClaudeMessage(role: .user, text: "Audit @brand")])

    @Test func sendsTheExactRequestAndParsesAllFourCounters() async throws {
        let server = FakeServer { _, _ in .json(Self.success, headers: ["request-id": "req_abc"]) }
        try await server.run { base in
            let response = try await Self.client(base).send(Self.request)
            #expect(response.text == "Hello there")
            #expect(
                response.usage
                    == ClaudeUsage(
                        inputTokens: 12, outputTokens: 7, cacheCreationInputTokens: 1500, cacheReadInputTokens: 3000,
                        cacheCreation1hInputTokens: 1000))
            #expect(response.requestId == "req_abc")
            #expect(response.stopReason == "end_turn")
        }
        let sent = try #require(server.requests.first)
        #expect(sent.method == "POST" && sent.path == "/v1/messages")
        #expect(sent.header("x-api-key") == "sk-test")
        #expect(sent.header("anthropic-version") == "2026-10-21")
        #expect(sent.header("content-type") == "application/json")
        #expect(
            sent.json == [
                "model": "claude-sonnet-5-5", "max_tokens": 512,
                "system": [
                    ["type": "text", "text": "You are a TikTok strategist.", "cache_control": ["type": "ephemeral", "ttl": "1h"]],
                    ["type": "text", "text": "Be brief.", "cache_control": ["type": "ephemeral"]],
                    ["type": "text", "text": "Today."],
                ],
                "messages": [["role": "user", "content": "Audit @brand"]],
            ])
    }

    @Test func a429WithRetryAfterIsRetriedAfterTheAdvisedWait() async throws {
        let waits = WaitLog()
        let server = FakeServer { _, index in
            index == 0
                ? .json(
                    ["type": "error", "error": ["type": "rate_limit_error", "message": "slow down"]], status: 429,
                    headers: ["retry-after": "2"]) : .json(Self.success)
        }
        try await server.run { base in
            let client = AnthropicClient(
                baseURL: base, apiKey: "k", transport: CurlTransport(),
                retry: RetryPolicy(maxRetries: 2, random: { 0 }, sleep: { waits.append($0) }))
            _ = try await client.send(Self.request)
        }
        #expect(server.requests.count == 2)
        #expect(waits.values == [.seconds(2)])
    }

    @Test func overloadedAndServerErrorsAreRetriedThenReportedWithTheRequestId() async throws {
        let server = FakeServer { _, index in
            index == 0
                ? .json(["type": "error", "error": ["type": "overloaded_error", "message": "busy"]], status: 529)
                : .json(["type": "error", "error": ["type": "api_error", "message": "boom"], "request_id": "req_500"], status: 500)
        }
        try await server.run { base in
            let error = await #expect(throws: ClaudeError.self) { try await Self.client(base).send(Self.request) }
            #expect(error?.kind == .apiError)
            #expect(error?.status == 500)
            #expect(error?.requestId == "req_500")
            #expect(error?.isTransient == true)
        }
        #expect(server.requests.count == 3, "one try and two retries")
    }

    @Test func authenticationAndInvalidRequestsAreNotRetried() async throws {
        let server = FakeServer { request, _ in
            request.header("x-api-key") == "sk-test"
                ? .json(["type": "error", "error": ["type": "invalid_request_error", "message": "max_tokens: too large"]], status: 400)
                : .json(["type": "error", "error": ["type": "authentication_error", "message": "invalid x-api-key"]], status: 401)
        }
        try await server.run { base in
            let invalid = await #expect(throws: ClaudeError.self) { try await Self.client(base).send(Self.request) }
            #expect(invalid?.kind == .invalidRequest)
            #expect(invalid?.message == "max_tokens: too large")
            let unauthorised = await #expect(throws: ClaudeError.self) {
                try await AnthropicClient(baseURL: base, apiKey: "wrong", transport: CurlTransport()).send(Self.request)
            }
            #expect(unauthorised?.kind == .authentication)
        }
        #expect(server.requests.count == 2)
    }

    @Test func anExhaustedSpendLimitIsNotRetried() async throws {
        let server = FakeServer { _, _ in
            .json(
                [
                    "type": "error",
                    "error": [
                        "type": "rate_limit_error", "message": "spend limit", "details": ["error_code": "enforced_spend_limit_reached"],
                    ],
                ], status: 429)
        }
        try await server.run { base in
            let error = await #expect(throws: ClaudeError.self) { try await Self.client(base).send(Self.request) }
            #expect(error?.kind == .spendLimit && error?.isTransient == false)
            #expect(error?.message.contains("spend limit is reached") == true)
        }
        #expect(server.requests.count == 1)
    }

    @Test func aBillingErrorIsNeitherRetriedNorTransient() async throws {
        let server = FakeServer { _, _ in
            .json(
                [
                    "type": "error", "error": ["type": "billing_error", "message": "Your credit balance is too low"],
                    "request_id": "req_402",
                ], status: 402)
        }
        try await server.run { base in
            let error = await #expect(throws: ClaudeError.self) { try await Self.client(base).send(Self.request) }
            #expect(error?.kind == .billing && error?.status == 402 && error?.isTransient == false)
            #expect(error?.message.contains("credit balance") == true)
        }
        #expect(server.requests.count == 1)
    }

    @Test func aTimeoutErrorIsRetriedAndTransient() async throws {
        let server = FakeServer { _, _ in
            .json(["type": "error", "error": ["type": "timeout_error", "message": "Request timed out"]], status: 504)
        }
        try await server.run { base in
            let error = await #expect(throws: ClaudeError.self) { try await Self.client(base).send(Self.request) }
            #expect(error?.kind == .timeout && error?.isTransient == true)
        }
        #expect(server.requests.count == 3, "one try and two retries")
    }

    @Test func retryAfterIsFollowedUpToTheCeilingAndLongerAdviceEndsTheCall() async throws {
        let waits = WaitLog()
        let server = FakeServer { request, index in
            let advice = request.header("x-api-key") == "long" ? "90" : "45"
            return index == 0 || request.header("x-api-key") == "long"
                ? .json(
                    ["type": "error", "error": ["type": "rate_limit_error", "message": "slow down"]], status: 429,
                    headers: ["retry-after": advice])
                : .json(Self.success)
        }
        try await server.run { base in
            let retry = RetryPolicy(maxRetries: 2, maxAdvisedDelay: 60, random: { 0 }, sleep: { waits.append($0) })
            _ = try await AnthropicClient(baseURL: base, apiKey: "short", transport: CurlTransport(), retry: retry).send(Self.request)
            #expect(waits.values == [.seconds(45)], "45 s is under the 60 s ceiling: waited as advised")
            let long = await #expect(throws: ClaudeError.self) {
                try await AnthropicClient(baseURL: base, apiKey: "long", transport: CurlTransport(), retry: retry).send(Self.request)
            }
            #expect(long?.kind == .rateLimited && long?.retryAfter == 90 && long?.isTransient == true)
        }
        #expect(waits.values == [.seconds(45)], "90 s is over the ceiling: no in-process wait")
        #expect(server.requests.count == 3)
    }

    @Test func malformedJSONAndSlowAnswersAreTypedErrors() async throws {
        let server = FakeServer { request, _ in
            request.header("x-api-key") == "slow" ? FakeReply(delay: .seconds(2)) : FakeReply(status: 200, body: Data("{not json".utf8))
        }
        try await server.run { base in
            let malformed = await #expect(throws: ClaudeError.self) { try await Self.client(base).send(Self.request) }
            #expect(malformed?.kind == .malformedResponse)
            let slow = AnthropicClient(baseURL: base, apiKey: "slow", transport: CurlTransport(), retry: .none, timeout: .milliseconds(300))
            let timedOut = await #expect(throws: ClaudeError.self) { try await slow.send(Self.request) }
            #expect(timedOut?.kind == .transport)
        }
    }
}

/// Records the waits a retry policy asked for.
final class WaitLog: @unchecked Sendable {
    private let lock = NSLock()
    private var waits: [Duration] = []
    func append(_ duration: Duration) { lock.withLock { waits.append(duration) } }
    var values: [Duration] { lock.withLock { waits } }
}

@Suite struct MockClaudeTests {
    static let system = """
        You are the audience analyst. Respond with JSON matching this example:
        ```json
        {"summary": "Audience skews young | Audience is broad", "top_countries": ["US", "GB"], "engagement_rate": 0.06, "followers": 120000}
        ```
        """

    func request(_ user: String, system: String = MockClaudeTests.system, cached: Bool = false) -> ClaudeRequest {
        ClaudeRequest(
            model: "claude-sonnet-5-5", system: [SystemBlock(system, cache: cached ? .oneHour : nil)],
            messages: [ClaudeMessage(role: .user, text: user)])
    }

    @Test func theSameRequestGetsTheSameAnswer() async throws {
        let mock = MockClaude()
        let first = try await mock.send(request("Analyse @brand"))
        let second = try await mock.send(request("Analyse @brand"))
        #expect(first.text == second.text && first.id == second.id)
        let other = try await mock.send(request("Analyse @another_brand"))
        #expect(other.text != first.text)
    }

    @Test func aJSONExampleIsAnsweredWithJSONOfTheSameShape() async throws {
        let response = try await MockClaude().send(request("Analyse @brand"))
        let json = try JSONValue.parse(response.text)
        #expect(Set(json.objectValue?.keys ?? [:].keys) == ["summary", "top_countries", "engagement_rate", "followers"])
        #expect(["Audience skews young", "Audience is broad"].contains(json["summary"]?.stringValue ?? ""))
        #expect(json["top_countries"] == ["US", "GB"])
        let rate = try #require(json["engagement_rate"]?.doubleValue)
        #expect(rate > 0 && rate < 1)
    }

    @Test func aMarkdownRequestGetsAReportNamingTheHandleWithASectionPerStep() async throws {
        let user = """
            Write the Profile Audit report for @glowco.
            <step key="profile_auditor">{"follower_count": 120000, "verdict": "healthy"}</step>
            <step key="trend_scout">{"trends": ["#skincare", "#grwm"]}</step>
            """
        let response = try await MockClaude().send(request(user, system: "Write a Markdown report."))
        #expect(response.text.hasPrefix("# Report for @glowco"))
        #expect(response.text.contains("## Profile Auditor"))
        #expect(response.text.contains("- **verdict**: healthy"))
        #expect(response.text.contains("## Trend Scout"))
    }

    @Test func simulatedLatencyIsAWaitThatCancellationEnds() async throws {
        // An hour of latency: the call can only end by cancellation, and must end with it.
        let call = Task { try await MockClaude(latency: .seconds(3600)).send(request("x")) }
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
    }
}
