import Foundation
import Testing

@testable import HTTPServer

@Suite struct ServerMetricsTests {
    @Test func eachRequestCountsOnceUnderItsRouteMethodAndStatus() {
        let metrics = ServerMetrics()
        for _ in 0..<3 { metrics.record(route: "/api/runs", method: "GET", status: 200, duration: .milliseconds(3)) }
        metrics.record(route: "/api/runs", method: "GET", status: 404, duration: .milliseconds(30))
        metrics.record(route: "/api/briefs", method: "POST", status: 201, duration: .milliseconds(700))
        let text = String(decoding: metrics.registry.emitToBuffer(), as: UTF8.self)
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains(#"tiktok_http_requests_total{route="/api/runs",method="GET",status="200"} 3"#), "\(text)")
        #expect(lines.contains(#"tiktok_http_requests_total{route="/api/runs",method="GET",status="404"} 1"#))
        #expect(lines.contains(#"tiktok_http_requests_total{route="/api/briefs",method="POST",status="201"} 1"#))
        #expect(lines.contains(#"tiktok_http_request_duration_seconds_count{route="/api/runs",method="GET"} 4"#))
        #expect(lines.contains(#"tiktok_http_request_duration_seconds_bucket{route="/api/runs",method="GET",le="0.005"} 3"#))
        #expect(lines.contains(#"tiktok_http_request_duration_seconds_bucket{route="/api/briefs",method="POST",le="0.5"} 0"#))
        #expect(lines.contains(#"tiktok_http_request_duration_seconds_bucket{route="/api/briefs",method="POST",le="1.0"} 1"#))
    }
}
