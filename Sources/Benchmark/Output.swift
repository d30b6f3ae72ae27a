import Foundation

/// Writes a line to standard output at once (stdout is block-buffered when redirected).
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// Send and receive times of fan-out events, in milliseconds.
final class LatencyLog: @unchecked Sendable {
    private let lock = NSLock()
    private var sentAt: [Int: ContinuousClock.Instant] = [:]
    private(set) var latencies: [Double] = []

    func sent(_ seq: Int) { lock.withLock { sentAt[seq] = ContinuousClock.now } }

    func received(_ seq: Int) {
        let now = ContinuousClock.now
        lock.withLock {
            if let start = sentAt[seq] { latencies.append(Bench.seconds(now - start) * 1000) }
        }
    }
}
