import Core
import Foundation

/// How long a cached prompt prefix lives.
public enum CacheTTL: String, Sendable, Codable {
    case fiveMinutes = "5m"
    case oneHour = "1h"
}

/// One block of the system prompt; `cache` marks a cache breakpoint after it.
public struct SystemBlock: Sendable, Equatable {
    public var text: String
    public var cache: CacheTTL?
    public init(_ text: String, cache: CacheTTL? = nil) {
        self.text = text
        self.cache = cache
    }
}

/// A tool the model may call (the copilot's live mode).
public struct ClaudeTool: Sendable, Equatable {
    public var name: String
    public var description: String
    public var inputSchema: JSONValue
    public init(name: String, description: String, inputSchema: JSONValue) {
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
    }
}

/// A conversation turn; `content` is text or content blocks.
public struct ClaudeMessage: Sendable, Equatable {
    public enum Role: String, Sendable { case user, assistant }
    public var role: Role
    public var content: JSONValue
    public init(role: Role, text: String) {
        self.role = role
        self.content = .string(text)
    }
    public init(role: Role, blocks: [JSONValue]) {
        self.role = role
        self.content = .array(blocks)
    }
}

/// A Messages API request.
public struct ClaudeRequest: Sendable, Equatable {
    public var model: String
    public var maxTokens: Int
    public var system: [SystemBlock]
    public var messages: [ClaudeMessage]
    public var tools: [ClaudeTool]
    /// Not sent: what the call is for (an agent name or `synthesis`), so the mock can shape its answer.
    public var purpose: String?

    public init(
        model: String, maxTokens: Int = 4096, system: [SystemBlock] = [], messages: [ClaudeMessage], tools: [ClaudeTool] = [],
        purpose: String? = nil
    ) {
        self.model = model
        self.maxTokens = maxTokens
        self.system = system
        self.messages = messages
        self.tools = tools
        self.purpose = purpose
    }

    /// The system prompt as one string, blocks joined by blank lines.
    public var systemText: String { system.map(\.text).joined(separator: "\n\n") }

    /// The text of the user turns.
    public var userText: String {
        messages.filter { $0.role == .user }.map { message in
            message.content.stringValue ?? message.content.arrayValue?.compactMap { $0["text"]?.stringValue }.joined(separator: "\n") ?? ""
        }.joined(separator: "\n\n")
    }

    /// The JSON body the API expects.
    public var body: JSONValue {
        var object: [String: JSONValue] = [
            "model": .string(model),
            "max_tokens": .number(maxTokens),
            "messages": .array(messages.map { ["role": .string($0.role.rawValue), "content": $0.content] }),
        ]
        if !system.isEmpty {
            object["system"] = .array(
                system.map { block in
                    var entry: [String: JSONValue] = ["type": "text", "text": .string(block.text)]
                    if let ttl = block.cache {
                        entry["cache_control"] = ttl == .oneHour ? ["type": "ephemeral", "ttl": "1h"] : ["type": "ephemeral"]
                    }
                    return .object(entry)
                })
        }
        if !tools.isEmpty {
            object["tools"] = .array(
                tools.map { ["name": .string($0.name), "description": .string($0.description), "input_schema": $0.inputSchema] })
        }
        return .object(object)
    }
}

/// Token counts of one call. Total input = `inputTokens + cacheCreationInputTokens + cacheReadInputTokens`.
public struct ClaudeUsage: Sendable, Equatable, Codable {
    /// Input after the last cache breakpoint.
    public var inputTokens: Int
    public var outputTokens: Int
    /// Tokens written to the cache (5-minute plus 1-hour).
    public var cacheCreationInputTokens: Int
    public var cacheReadInputTokens: Int
    /// The 1-hour share of `cacheCreationInputTokens`; the rest were 5-minute writes.
    public var cacheCreation1hInputTokens: Int

    public init(
        inputTokens: Int = 0, outputTokens: Int = 0, cacheCreationInputTokens: Int = 0, cacheReadInputTokens: Int = 0,
        cacheCreation1hInputTokens: Int = 0
    ) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheCreationInputTokens = cacheCreationInputTokens
        self.cacheReadInputTokens = cacheReadInputTokens
        self.cacheCreation1hInputTokens = cacheCreation1hInputTokens
    }

    public var cacheCreation5mInputTokens: Int { cacheCreationInputTokens - cacheCreation1hInputTokens }

    /// Reads the API's `usage` object.
    public init(json: JSONValue) {
        let creation = json["cache_creation_input_tokens"]?.intValue ?? 0
        let oneHour = json["cache_creation"]?["ephemeral_1h_input_tokens"]?.intValue ?? 0
        self.init(
            inputTokens: json["input_tokens"]?.intValue ?? 0, outputTokens: json["output_tokens"]?.intValue ?? 0,
            cacheCreationInputTokens: creation, cacheReadInputTokens: json["cache_read_input_tokens"]?.intValue ?? 0,
            cacheCreation1hInputTokens: min(oneHour, creation))
    }
}

/// A Messages API response.
public struct ClaudeResponse: Sendable, Equatable {
    public var id: String
    public var model: String
    /// Content blocks as returned (`text`, `tool_use`, ...).
    public var content: [JSONValue]
    public var stopReason: String?
    public var usage: ClaudeUsage
    public var requestId: String?

    public init(id: String, model: String, content: [JSONValue], stopReason: String?, usage: ClaudeUsage, requestId: String?) {
        self.id = id
        self.model = model
        self.content = content
        self.stopReason = stopReason
        self.usage = usage
        self.requestId = requestId
    }

    /// The text blocks joined.
    public var text: String { content.filter { $0["type"] == "text" }.compactMap { $0["text"]?.stringValue }.joined() }

    /// The `tool_use` blocks: name and input.
    public var toolUses: [(name: String, input: JSONValue)] {
        content.filter { $0["type"] == "tool_use" }.compactMap { block in block["name"]?.stringValue.map { ($0, block["input"] ?? [:]) } }
    }
}

/// A failed Claude call, typed by the API's error type, with the request id when known.
public struct ClaudeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case invalidRequest = "invalid_request_error"
        case authentication = "authentication_error"
        case billing = "billing_error"
        case permission = "permission_error"
        case notFound = "not_found_error"
        case requestTooLarge = "request_too_large"
        case rateLimited = "rate_limit_error"
        /// A 429 because the organization's spend limit is reached: waiting does not clear it.
        case spendLimit = "spend_limit_reached"
        case apiError = "api_error"
        case timeout = "timeout_error"
        case overloaded = "overloaded_error"
        case malformedResponse = "malformed_response"
        case transport = "transport_error"
        case missingRecording = "missing_recording"
        /// The answer stopped at `max_tokens` (after one retry with a larger budget).
        case maxTokens = "max_tokens"
        /// The model declined to answer (`stop_reason: refusal`).
        case refusal = "refusal"
        /// The model has no price or has retired; refused before anything was billed.
        case unavailableModel = "model_unavailable"
    }
    public var kind: Kind
    public var status: Int?
    public var message: String
    public var requestId: String?
    /// Seconds the API advised waiting (`retry-after`), when it did.
    public var retryAfter: Double?

    public init(kind: Kind, status: Int? = nil, message: String, requestId: String? = nil, retryAfter: Double? = nil) {
        self.kind = kind
        self.status = status
        self.message = message
        self.requestId = requestId
        self.retryAfter = retryAfter
    }

    public var description: String {
        var text = "Claude \(kind.rawValue)"
        if let status { text += " (\(status))" }
        text += ": \(message)"
        if let requestId { text += " [request \(requestId)]" }
        return text
    }

    /// Whether the failure is worth retrying later (rate limits, overload, server errors, timeouts,
    /// transport). Billing, spend limits, refusals and request errors are not.
    public var isTransient: Bool { [.rateLimited, .overloaded, .apiError, .timeout, .transport].contains(kind) }
}

/// Anything that answers Messages requests: the live client, the mock, a replay.
public protocol ClaudeClient: Sendable {
    func send(_ request: ClaudeRequest) async throws -> ClaudeResponse
}
