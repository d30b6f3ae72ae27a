import Foundation

/// Retries with exponential backoff and jitter, honouring what the server advises — the policy
/// of Anthropic's official SDKs, used by every client here.
public struct RetryPolicy: Sendable {
    /// Retries after the first attempt.
    public var maxRetries: Int
    public var initialDelay: Double
    public var maxDelay: Double
    /// The longest server advice (`retry-after`) followed; longer advice falls back to backoff
    /// unless the caller vetoes the retry.
    public var maxAdvisedDelay: Double
    /// Uniform in 0..<1; injectable so tests are deterministic.
    public var random: @Sendable () -> Double
    public var sleep: @Sendable (Duration) async throws -> Void
    public var now: @Sendable () -> Date

    public init(
        maxRetries: Int = 2, initialDelay: Double = 0.5, maxDelay: Double = 8, maxAdvisedDelay: Double = 60,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.maxRetries = maxRetries
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxAdvisedDelay = maxAdvisedDelay
        self.random = random
        self.sleep = sleep
        self.now = now
    }

    /// No retries at all.
    public static let none = RetryPolicy(maxRetries: 0)

    /// Whether a response should be retried: `x-should-retry` when present, else 408, 409, 429 and 5xx.
    public static func shouldRetry(_ response: HTTPResponse) -> Bool {
        switch response.header("x-should-retry")?.lowercased() {
        case "true": return true
        case "false": return false
        default: return [408, 409, 429].contains(response.status) || response.status >= 500
        }
    }

    /// How long to wait before retry number `retry` (0-based): the server's `retry-after-ms` or
    /// `retry-after` (seconds or an HTTP date) when between 0 and `maxAdvisedDelay` (60 s), else
    /// `min(initial * 2^retry, max)` reduced by up to 25% jitter.
    public func delay(retry: Int, response: HTTPResponse?) -> Duration {
        if let advised = response.flatMap(advisedDelay), advised > 0, advised <= maxAdvisedDelay {
            return .milliseconds(Int((advised * 1000).rounded()))
        }
        let base = min(initialDelay * pow(2, Double(retry)), maxDelay)
        return .milliseconds(Int((base * (1 - 0.25 * random()) * 1000).rounded()))
    }

    /// The wait in seconds a response advises (`retry-after-ms`, or `retry-after` in seconds or as an HTTP date).
    public func advisedDelay(_ response: HTTPResponse) -> Double? {
        if let ms = response.header("retry-after-ms").flatMap(Double.init) { return ms / 1000 }
        guard let value = response.header("retry-after") else { return nil }
        if let seconds = Double(value) { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { $0.timeIntervalSince(now()) }
    }

    /// Sends through `transport`, retrying transient failures and retryable responses.
    /// `retryable` may veto a retry of a response (for vendor-specific rules).
    public func send(
        _ request: HTTPRequest, over transport: any HTTPTransport,
        retryable: @Sendable (HTTPResponse) -> Bool = RetryPolicy.shouldRetry
    ) async throws -> HTTPResponse {
        var retry = 0
        while true {
            do {
                let response = try await transport.send(request)
                guard retry < maxRetries, retryable(response) else { return response }
                try await sleep(delay(retry: retry, response: response))
            } catch let error as HTTPTransportError where error.isTransient && retry < maxRetries {
                try await sleep(delay(retry: retry, response: nil))
            }
            retry += 1
        }
    }
}
