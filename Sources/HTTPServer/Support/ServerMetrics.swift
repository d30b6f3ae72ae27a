import Foundation
import Prometheus
import Synchronization

/// The Prometheus registry of this server (no global metrics system), plus the collectors the
/// middleware and SSE update. Database-wide figures are read at scrape time.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let sseClients: Gauge

    public init() {
        sseClients = registry.makeGauge(descriptor: Self.named("tiktok_sse_clients", help: "Open SSE streams"), labels: [])
    }

    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    func record(route: String, method: String, status: Int, duration: Duration) {
        let key = RouteKey(route: route, method: method, status: status)
        let (counter, histogram) = collectors.withLock { $0[key] } ?? makeCollectors(key)
        counter.increment()
        histogram.record(duration)
    }

    private func makeCollectors(_ key: RouteKey) -> (Counter, DurationHistogram) {
        let made = (
            registry.makeCounter(
                descriptor: Self.named("tiktok_http_requests_total", help: "HTTP requests"),
                labels: [("route", key.route), ("method", key.method), ("status", String(key.status))]),
            registry.makeDurationHistogram(
                descriptor: Self.named("tiktok_http_request_duration_seconds", help: "HTTP request latency"),
                labels: [("route", key.route), ("method", key.method)], buckets: Self.latencyBuckets)
        )
        collectors.withLock { $0[key] = made }
        return made
    }

    /// The collectors of each route, method and status seen, so a request does not look its two
    /// up in the registry by their labels (the registry hands back the same ones each time).
    private let collectors = Mutex<[RouteKey: (Counter, DurationHistogram)]>([:])

    private struct RouteKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    /// Sets a labelled gauge (scrape-time figures).
    func set(_ name: String, _ value: Double, labels: [(String, String)] = [], help: String) {
        registry.makeGauge(descriptor: Self.named(name, help: help), labels: labels).set(to: value)
    }

    /// A metric's whole name (the unit is part of it) and its help text.
    private static func named(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
