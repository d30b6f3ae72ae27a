import Core
import Foundation
import Hummingbird

/// Token buckets per API key, per client address, and for failed credential lookups per client
/// address (so keys cannot be guessed quickly). The defaults are far above what a dashboard user
/// does; a spent bucket answers 429 with `Retry-After`.
final class RateLimiter: @unchecked Sendable {
    struct Limit: Sendable {
        var perSecond: Double
        var burst: Double
    }

    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    let perKey: Limit
    let perAddress: Limit
    let failures: Limit
    private let now: @Sendable () -> Date
    private let lock = NSLock()
    private var buckets: [String: Bucket] = [:]

    init(perKey: Limit, perAddress: Limit, failures: Limit, now: @escaping @Sendable () -> Date = { Date() }) {
        self.perKey = perKey
        self.perAddress = perAddress
        self.failures = failures
        self.now = now
    }

    convenience init(settings: Settings, now: @escaping @Sendable () -> Date = { Date() }) {
        self.init(
            perKey: Limit(perSecond: settings.rateLimitPerKey, burst: settings.rateLimitPerKey * 4),
            perAddress: Limit(perSecond: settings.rateLimitPerAddress, burst: settings.rateLimitPerAddress * 4),
            failures: Limit(perSecond: 1.0 / 6, burst: 10), now: now)
    }

    /// Takes one request from `key`'s bucket.
    func take(for key: String) throws {
        try spend("key:" + key, perKey, what: "this API key")
    }

    /// Takes one request from the client address's bucket.
    func take(from address: String) throws {
        try spend("addr:" + address, perAddress, what: "this address")
    }

    /// Refuses an address that failed too many credential lookups lately.
    func checkFailures(from address: String) throws {
        let wait = lock.withLock { () -> Double? in
            let bucket = refilled("fail:" + address, failures)
            return bucket.tokens < 1 ? (1 - bucket.tokens) / failures.perSecond : nil
        }
        if let wait { throw Self.limited("too many failed logins from this address", wait) }
    }

    func recordFailure(from address: String) {
        lock.withLock {
            var bucket = refilled("fail:" + address, failures)
            bucket.tokens = max(0, bucket.tokens - 1)
            store("fail:" + address, bucket)
        }
    }

    private func spend(_ id: String, _ limit: Limit, what: String) throws {
        let wait = lock.withLock { () -> Double? in
            var bucket = refilled(id, limit)
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / limit.perSecond }
            bucket.tokens -= 1
            store(id, bucket)
            return nil
        }
        if let wait { throw Self.limited("too many requests from \(what)", wait) }
    }

    private func refilled(_ id: String, _ limit: Limit) -> Bucket {
        let time = now()
        guard var bucket = buckets[id] else { return Bucket(tokens: limit.burst, updated: time) }
        bucket.tokens = min(limit.burst, bucket.tokens + time.timeIntervalSince(bucket.updated) * limit.perSecond)
        bucket.updated = time
        return bucket
    }

    private func store(_ id: String, _ bucket: Bucket) {
        if buckets.count >= 100_000 { buckets.removeAll() }
        buckets[id] = bucket
    }

    static func limited(_ message: String, _ seconds: Double) -> AppError {
        let wait = max(1, Int(seconds.rounded(.up)))
        return AppError(code: "rate_limited", message: "\(message); try again in \(wait) s", status: 429, retryAfter: wait)
    }
}
