import Core
import Foundation

/// The live Messages API client over the libcurl transport.
public struct AnthropicClient: ClaudeClient {
    public var baseURL: String
    private let apiKey: String
    public var transport: any HTTPTransport
    public var retry: RetryPolicy
    public var timeout: Duration

    public init(baseURL: String, apiKey: String, transport: any HTTPTransport, retry: RetryPolicy = RetryPolicy(), timeout: Duration = .seconds(600)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.transport = transport
        self.retry = retry
        self.timeout = timeout
    }

    public func send(_ request: ClaudeRequest) async throws -> ClaudeResponse {
        var http = HTTPRequest.json(
            "POST", baseURL + "/v1/messages", request.body,
            headers: [HTTPHeader("x-api-key", apiKey), HTTPHeader("anthropic-version", "2023-06-01")])
        http.timeout = timeout
        let response: HTTPResponse
        do {
            response = try await retry.send(http, over: transport) { response in
                RetryPolicy.shouldRetry(response) && !Self.isSpendLimit(response)
            }
        } catch let error as HTTPTransportError {
            throw ClaudeError(kind: .transport, message: error.description)
        }
        return try Self.decode(response)
    }

    /// A 429 for an exhausted spend limit will not clear by waiting.
    static func isSpendLimit(_ response: HTTPResponse) -> Bool {
        response.status == 429 && response.json?["error"]?["details"]?["error_code"]?.stringValue == "enforced_spend_limit_reached"
    }

    static func decode(_ response: HTTPResponse) throws -> ClaudeResponse {
        let json = response.json
        let requestId = json?["request_id"]?.stringValue ?? response.header("request-id")
        guard (200..<300).contains(response.status) else {
            let type = json?["error"]?["type"]?.stringValue
            let kind = type.flatMap(ClaudeError.Kind.init(rawValue:)) ?? Self.kind(forStatus: response.status)
            let message = json?["error"]?["message"]?.stringValue ?? "HTTP \(response.status)"
            throw ClaudeError(kind: kind, status: response.status, message: message, requestId: requestId)
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
        case 403: .permission
        case 404: .notFound
        case 413: .requestTooLarge
        case 429: .rateLimited
        case 529: .overloaded
        default: .apiError
        }
    }
}
