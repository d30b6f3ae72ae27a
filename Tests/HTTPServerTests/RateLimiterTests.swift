import Core
import Foundation
import Testing

@testable import HTTPServer

/// Token buckets, driven by a clock the test moves.
@Suite struct RateLimiterTests {
    final class Moving: @unchecked Sendable {
        var date = Date(timeIntervalSince1970: 1_800_000_000)
    }

    @Test func aSpentBucketRefillsAtItsRateAndSaysHowLongToWait() throws {
        let clock = Moving()
        let limiter = RateLimiter(
            perKey: .init(perSecond: 2, burst: 4), perAddress: .init(perSecond: 100, burst: 100),
            failures: .init(perSecond: 1.0 / 6, burst: 10),
            now: { clock.date })
        for _ in 0..<4 { try limiter.take(for: "k") }
        let refused = #expect(throws: AppError.self) { try limiter.take(for: "k") }
        #expect(refused?.status == 429 && refused?.retryAfter == 1)
        try limiter.take(for: "other")
        clock.date += 0.5
        try limiter.take(for: "k")
        #expect(throws: AppError.self) { try limiter.take(for: "k") }
        clock.date += 60
        for _ in 0..<4 { try limiter.take(for: "k") }
        #expect(throws: AppError.self, "a long wait refills up to the burst, never beyond") { try limiter.take(for: "k") }
    }

    @Test func tenFailedLookupsLockAnAddressForSixSecondsPerAttempt() throws {
        let clock = Moving()
        let limiter = RateLimiter(
            perKey: .init(perSecond: 100, burst: 100), perAddress: .init(perSecond: 100, burst: 100),
            failures: .init(perSecond: 1.0 / 6, burst: 10),
            now: { clock.date })
        for _ in 0..<10 {
            try limiter.checkFailures(from: "a")
            limiter.recordFailure(from: "a")
        }
        let locked = #expect(throws: AppError.self) { try limiter.checkFailures(from: "a") }
        #expect(locked?.retryAfter == 6)
        try limiter.checkFailures(from: "b")
        clock.date += 6
        try limiter.checkFailures(from: "a")
    }
}
