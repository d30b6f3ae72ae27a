import Core
import Foundation
import HTTPServer
import Orchestrator
import Persistence
import Providers

/// The soak: mixed load for a while, the process's resident memory sampled throughout, to show
/// whether anything grows without bound (event-bus rings, caches, pools, buffers).
extension Bench {
    struct MemorySample {
        var second: Double
        var rssMB: Double
        var trackedRuns: Int
    }

    /// Profile Audits 8 at a time (each followed through the event bus to its end, as a browser's
    /// stream would), wrk on the run list and on brief creation (4 connections each) and 200 more
    /// subscribers on one run in ten, all for `duration` seconds; memory every 10 seconds.
    func soak(
        duration: Int, _ orchestration: Orchestration, _ database: Database, _ workspace: WorkspaceID, key: String,
        providers: ProviderSuite, figures: Summary
    ) async throws {
        say("\n## Soak (\(duration) s of mixed load: runs 8 at a time followed to their end, wrk on the run list and on brief creation)")
        let dependencies = ServerDependencies(
            settings: try Self.serverSettings(), database: database, orchestration: orchestration, providers: providers,
            logger: Self.serverLogger)
        let server = try await InProcessServer.start(dependencies)
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started + .seconds(duration)
        let samples = SampleLog()
        let sampler = Task {
            while !Task.isCancelled {
                samples.append(
                    MemorySample(
                        second: Self.seconds(clock.now - started), rssMB: Self.rssMB(), trackedRuns: await orchestration.bus.trackedRuns))
                try? await Task.sleep(for: .seconds(10))
            }
        }
        async let list = Self.wrk(
            server.base + "/api/dashboard/workflows/runs?limit=20", key: key, body: nil, seconds: duration, connections: 4)
        async let briefs = Self.wrk(
            server.base + "/api/dashboard/briefs", key: key, body: #"{"handle": "@soak_brand", "notes": "soak"}"#, seconds: duration,
            connections: 4)
        var runsDone = 0
        var batch = 0
        while clock.now < deadline {
            batch += 1
            if batch % 10 == 0 {
                _ = try await Self.fanout(orchestration, database, workspace, subscribers: 200, events: 5)
            }
            runsDone += try await runs(16, concurrency: 8, orchestration, database, workspace).count
        }
        let (listResult, briefResult) = try await (list, briefs)
        sampler.cancel()
        samples.append(
            MemorySample(second: Self.seconds(clock.now - started), rssMB: Self.rssMB(), trackedRuns: await orchestration.bus.trackedRuns))
        await server.stop()

        let all = samples.all
        for sample in all where Int(sample.second) % 60 < 10 || sample.second == all.last?.second {
            say(
                String(
                    format: "  %4.0f s  %6.1f MB resident  %4d runs tracked by the event bus", sample.second, sample.rssMB,
                    sample.trackedRuns))
        }
        // Growth after the first minute (pools, caches and buffers are warm by then): the slope of a
        // least-squares line through the samples, and the last sample against the first after warm-up.
        let warm = all.filter { $0.second >= 60 }
        let slope = Self.slope(warm.map { ($0.second / 60, $0.rssMB) })
        let first = warm.first?.rssMB ?? 0
        let last = all.last?.rssMB ?? 0
        let peak = all.map(\.rssMB).max() ?? 0
        say(
            String(
                format:
                    "%d runs, %.0f list req/s, %.0f brief req/s; after the first minute %.1f MB -> %.1f MB (peak %.1f), slope %+.2f MB/min",
                runsDone, listResult.rate, briefResult.rate, first, last, peak, slope))
        figures.record("soak_seconds", Double(duration))
        figures.record("soak_runs", Double(runsDone))
        figures.record("soak_rss_after_warmup_mb", first)
        figures.record("soak_rss_end_mb", last)
        figures.record("soak_rss_peak_mb", peak)
        figures.record("soak_rss_slope_mb_per_min", slope)
        figures.record("soak_tracked_runs_end", Double(all.last?.trackedRuns ?? 0))
    }

    /// The slope of the least-squares line through `points`.
    static func slope(_ points: [(Double, Double)]) -> Double {
        guard points.count > 1 else { return 0 }
        let n = Double(points.count)
        let meanX = points.map(\.0).reduce(0, +) / n
        let meanY = points.map(\.1).reduce(0, +) / n
        let covariance = points.map { ($0.0 - meanX) * ($0.1 - meanY) }.reduce(0, +)
        let variance = points.map { ($0.0 - meanX) * ($0.0 - meanX) }.reduce(0, +)
        return variance == 0 ? 0 : covariance / variance
    }
}

/// Memory samples taken by one task and read by another.
final class SampleLog: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [Bench.MemorySample] = []

    func append(_ sample: Bench.MemorySample) { lock.withLock { samples.append(sample) } }
    var all: [Bench.MemorySample] { lock.withLock { samples } }
}
