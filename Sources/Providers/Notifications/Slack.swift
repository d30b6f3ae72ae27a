import Core
import Foundation

/// Posts a message to a chat channel.
public protocol ChatNotifier: Sendable {
    /// Sends `text` to the incoming-webhook `url`.
    func post(_ text: String, to url: String) async throws
}

/// A Slack incoming webhook: `POST {"text": ...}` as JSON; Slack answers `200 ok`.
public struct SlackWebhook: ChatNotifier {
    public var transport: any HTTPTransport
    public var retry: RetryPolicy

    public init(transport: any HTTPTransport, retry: RetryPolicy = RetryPolicy()) {
        self.transport = transport
        self.retry = retry
    }

    public func post(_ text: String, to url: String) async throws {
        let response = try await perform(
            HTTPRequest.json("POST", url, ["text": .string(text)]), provider: "slack", transport: transport, retry: retry)
        guard (200..<300).contains(response.status) else {
            throw ProviderError(
                provider: "slack", status: response.status, code: "http_\(response.status)", message: response.text.prefix(200).description)
        }
    }
}
