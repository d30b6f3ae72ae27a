import Core
import Foundation

/// Enqueues one HTTP task per workflow step.
public protocol TaskQueue: Sendable {
    /// Creates a task posting `body` to `url` with an OIDC token for `audience`, not before
    /// `notBefore`; named by `taskId` so a repeat is refused by the queue. Returns `false` when the
    /// task already existed.
    func enqueue(taskId: String, url: String, body: JSONValue, audience: String, notBefore: Date?) async throws -> Bool
}

/// The Cloud Tasks REST API.
public struct CloudTasksClient: TaskQueue {
    public var baseURL: String
    public var queuePath: String
    public var serviceAccountEmail: String
    public var tokens: any GoogleTokenSource
    public var transport: any HTTPTransport

    public init(
        baseURL: String, project: String, location: String, queue: String, serviceAccountEmail: String, tokens: any GoogleTokenSource,
        transport: any HTTPTransport
    ) {
        self.baseURL = baseURL
        self.queuePath = "projects/\(project)/locations/\(location)/queues/\(queue)"
        self.serviceAccountEmail = serviceAccountEmail
        self.tokens = tokens
        self.transport = transport
    }

    public func enqueue(taskId: String, url: String, body: JSONValue, audience: String, notBefore: Date? = nil) async throws -> Bool {
        let token = try await tokens.accessToken(scopes: ["https://www.googleapis.com/auth/cloud-platform"])
        var task: JSONValue = [
            "task": [
                "name": .string("\(queuePath)/tasks/\(taskId)"),
                "httpRequest": [
                    "url": .string(url), "httpMethod": "POST", "headers": ["Content-Type": "application/json"],
                    "body": .string(Data(body.jsonString.utf8).base64EncodedString()),
                    "oidcToken": ["serviceAccountEmail": .string(serviceAccountEmail), "audience": .string(audience)],
                ],
            ]
        ]
        if let notBefore, case .object(var inner) = task["task"] {
            inner["scheduleTime"] = .string(Timestamp.format(notBefore))
            task = ["task": .object(inner)]
        }
        let request = HTTPRequest.json(
            "POST", "\(baseURL)/v2/\(queuePath)/tasks", task, headers: [HTTPHeader("authorization", "Bearer \(token)")])
        let response = try await perform(request, provider: "cloud_tasks", transport: transport, retry: RetryPolicy()) { response in
            response.status != 409 && RetryPolicy.shouldRetry(response)
        }
        if response.status == 409 { return false }
        guard (200..<300).contains(response.status) else {
            throw ProviderError(
                provider: "cloud_tasks", status: response.status,
                code: response.json?["error"]?["status"]?.stringValue ?? "http_\(response.status)",
                message: response.json?["error"]?["message"]?.stringValue ?? "task was not created")
        }
        return true
    }
}

/// One message for a topic.
public struct OutgoingMessage: Sendable, Equatable {
    public var data: Data
    public var attributes: [String: String]
    public init(data: Data, attributes: [String: String]) {
        self.data = data
        self.attributes = attributes
    }
}

/// Publishes messages to Pub/Sub topics.
public protocol MessagePublisher: Sendable {
    /// Publishes `messages` in one request, in order; returns their message ids.
    func publish(topic: String, messages: [OutgoingMessage]) async throws -> [String]
}

/// The Pub/Sub REST API, or the emulator at `PUBSUB_EMULATOR_HOST` (plain http, no auth).
public struct PubSubPublisher: MessagePublisher {
    public var project: String
    public var baseURL: String
    public var tokens: (any GoogleTokenSource)?
    public var transport: any HTTPTransport
    public var retry: RetryPolicy

    public init(
        project: String, emulatorHost: String?, tokens: (any GoogleTokenSource)?, transport: any HTTPTransport,
        retry: RetryPolicy = RetryPolicy()
    ) {
        self.project = project
        self.baseURL = emulatorHost.map { "http://\($0)" } ?? "https://pubsub.googleapis.com"
        self.tokens = emulatorHost == nil ? tokens : nil
        self.transport = transport
        self.retry = retry
    }

    public func publish(topic: String, messages: [OutgoingMessage]) async throws -> [String] {
        var headers: [HTTPHeader] = []
        if let tokens {
            headers.append(
                HTTPHeader("authorization", "Bearer \(try await tokens.accessToken(scopes: ["https://www.googleapis.com/auth/pubsub"]))"))
        }
        let body: JSONValue = [
            "messages": .array(
                messages.map {
                    ["data": .string($0.data.base64EncodedString()), "attributes": .object($0.attributes.mapValues { .string($0) })]
                })
        ]
        let request = HTTPRequest.json("POST", "\(baseURL)/v1/projects/\(project)/topics/\(topic):publish", body, headers: headers)
        let response = try await perform(request, provider: "pubsub", transport: transport, retry: retry)
        let ids = response.json?["messageIds"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard response.status == 200, ids.count == messages.count else {
            throw ProviderError(
                provider: "pubsub", status: response.status, code: "publish_failed",
                message: response.json?["error"]?["message"]?.stringValue
                    ?? "answered \(ids.count) message ids for \(messages.count) messages")
        }
        return ids
    }
}
