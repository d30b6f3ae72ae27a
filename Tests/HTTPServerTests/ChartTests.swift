import Foundation
import Orchestrator
import Testing

@testable import HTTPServer

/// The run page's step graph keeps its text readable in the column beside the trace.
@Suite struct ChartTests {
    /// The `viewBox` width and each node's `translate(x,y)` of a drawn DAG.
    static func geometry(_ svg: String) -> (width: Int, nodes: [String: (x: Int, y: Int)]) {
        let width = Int(svg.firstMatch(of: /viewBox="0 0 (\d+) \d+"/)!.1)!
        var nodes: [String: (x: Int, y: Int)] = [:]
        for match in svg.matches(of: /data-step="([^"]+)"[^>]*transform="translate\((\d+),(\d+)\)"/) {
            nodes[String(match.1)] = (Int(match.2)!, Int(match.3)!)
        }
        return (width, nodes)
    }

    @Test func aFanOutBesideTheTraceRunsLeftToRightWithItsParallelStepsInOneColumn() {
        let audit = SeededWorkflows.profileAudit
        let narrow = Self.geometry(Charts.dag(definition: audit, nodes: [:], narrow: true))
        let wide = Self.geometry(Charts.dag(definition: audit, nodes: [:]))
        let analysts = audit.steps.filter { $0.dependsOn.isEmpty }.map(\.key)

        #expect(narrow.nodes.count == 6 && wide.nodes.count == 6)
        #expect(narrow.width < 600, "two columns fit the steps' card: \(narrow.width)")
        #expect(Set(analysts.map { narrow.nodes[$0]!.x }).count == 1, "the five analysts share a column")
        #expect(narrow.nodes["synthesis"]!.x > narrow.nodes[analysts[0]]!.x, "the synthesis to their right")
        #expect(wide.width > 1000 && Set(analysts.map { wide.nodes[$0]!.y }).count == 1, "a wide card keeps them side by side")
    }

    @Test func aLongChainBesideTheTraceStillGrowsDownThePage() {
        let launch = SeededWorkflows.find("campaign_launch")!
        let drawn = Self.geometry(Charts.dag(definition: launch, nodes: [:], narrow: true))
        #expect(drawn.width < 600, "at most two steps side by side: \(drawn.width)")
        #expect(drawn.nodes["synthesis"]!.y > drawn.nodes["approval"]!.y && drawn.nodes["synthesis"]!.x == drawn.nodes["approval"]!.x)
    }
}
