import Core
import Foundation

/// The live Messages API client over the libcurl transport.
///
/// Retries as the official SDK does, except that server advice (`retry-after`) is followed up to
/// `retry.maxAdvisedDelay` (`CLAUDE_RETRY_AFTER_MAX_SECONDS`, 120 s) and longer advice ends the
/// call with the advised wait in `ClaudeError.retryAfter`, so the step is rescheduled instead of
/// holding a worker; a spend-limit 429 is never retried.
public struct AnthropicClient: ClaudeClient {
    public var baseURL: String
    private let apiKey: String
    /// The `anthropic-version` header (`ANTHROPIC_VERSION`).
    public var version: String
    public var transport: any HTTPTransport
    public var retry: RetryPolicy
    public var timeout: Duration

    public init(
        baseURL: String, apiKey: String, version: String = "2026-10-21", transport: any HTTPTransport,
        retry: RetryPolicy = RetryPolicy(maxAdvisedDelay: 120), timeout: Duration = .seconds(600)
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.version = version
        self.transport = transport
        self.retry = retry
        self.timeout = timeout
    }

    public func send(_ request: ClaudeRequest) async throws -> ClaudeResponse {
        var http = HTTPRequest.json(
            "POST", baseURL + "/v1/messages", request.body,
            headers: [HTTPHeader("x-api-key", apiKey), HTTPHeader("anthropic-version", version)])
        http.timeout = timeout
        let response: HTTPResponse
        let retry = self.retry
        do {
            response = try await retry.send(http, over: transport) { response in
                guard RetryPolicy.shouldRetry(response), !Self.isSpendLimit(response) else { return false }
                return (retry.advisedDelay(response) ?? 0) <= retry.maxAdvisedDelay
            }
        } catch let error as HTTPTransportError {
            throw ClaudeError(kind: .transport, message: error.description)
        }
        return try Self.decode(response, advised: retry.advisedDelay(response))
    }

    /// A 429 for an exhausted spend limit will not clear by waiting.
    static func isSpendLimit(_ response: HTTPResponse) -> Bool {
        response.status == 429 && response.json?["error"]?["details"]?["error_code"]?.stringValue == "enforced_spend_limit_reached"
    }

    static func decode(_ response: HTTPResponse, advised: Double? = nil) throws -> ClaudeResponse {
        let json = response.json
        let requestId = json?["request_id"]?.stringValue ?? response.header("request-id")
        guard (200..<300).contains(response.status) else {
            let type = json?["error"]?["type"]?.stringValue
            var kind = type.flatMap(ClaudeError.Kind.init(rawValue:)) ?? Self.kind(forStatus: response.status)
            var message = json?["error"]?["message"]?.stringValue ?? "HTTP \(response.status)"
            if isSpendLimit(response) {
                kind = .spendLimit
                message = "the Anthropic organization's spend limit is reached (raise it in the Claude Console): " + message
            } else if kind == .billing {
                message = "Anthropic billing problem (check the organization's credit balance and payment method): " + message
            }
            throw ClaudeError(kind: kind, status: response.status, message: message, requestId: requestId, retryAfter: advised)
        }
        guard let json, json["type"] == "message", let content = json["content"]?.arrayValue, let usage = json["usage"] else {
            throw ClaudeError(kind: .malformedResponse, status: response.status, message: "response is not a message", requestId: requestId)
        }
        return ClaudeResponse(
            id: json["id"]?.stringValue ?? "", model: json["model"]?.stringValue ?? "", content: content,
            stopReason: json["stop_reason"]?.stringValue, usage: ClaudeUsage(json: usage), requestId: requestId)
    }

    static func kind(forStatus status: Int) -> ClaudeError.Kind {
        switch status {
        case 400: .invalidRequest
        case 401: .authentication
        case 402: .billing
        case 403: .permission
        case 404: .notFound
        case 413: .requestTooLarge
        case 429: .rateLimited
        case 408, 504: .timeout
        case 529: .overloaded
        default: .apiError
        }
    }
}
