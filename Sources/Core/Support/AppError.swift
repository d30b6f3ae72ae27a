/// The one error type that crosses module boundaries: a stable machine `code`, a human `message`
/// naming the problem, and the HTTP status it maps to.
public struct AppError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, snake_case identifier such as `invalid_input` or `not_found`.
    public var code: String
    /// One sentence naming what was wrong.
    public var message: String
    /// The HTTP status an API should answer with.
    public var status: Int
    /// Seconds to wait before trying again (a 429's `Retry-After`).
    public var retryAfter: Int?

    public init(code: String, message: String, status: Int, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code): \(message)" }

    /// 400: the request named something malformed.
    public static func invalidInput(_ message: String) -> AppError { .init(code: "invalid_input", message: message, status: 400) }
    /// 401: missing or wrong credentials.
    public static func unauthorized(_ message: String) -> AppError { .init(code: "unauthorized", message: message, status: 401) }
    /// 404: absent, or belongs to another workspace.
    public static func notFound(_ message: String) -> AppError { .init(code: "not_found", message: message, status: 404) }
    /// 404: the route belongs to an integration this deployment has not configured.
    public static func notConfigured(_ message: String) -> AppError { .init(code: "not_configured", message: message, status: 404) }
    /// 409: the resource is not in a state that allows this.
    public static func conflict(_ message: String) -> AppError { .init(code: "conflict", message: message, status: 409) }
    /// 500: a bug or an outage; never expected.
    public static func `internal`(_ message: String) -> AppError { .init(code: "internal", message: message, status: 500) }
    /// 503: a dependency is unavailable.
    public static func unavailable(_ message: String) -> AppError { .init(code: "unavailable", message: message, status: 503) }
}
