import Core
import Foundation
import Orchestrator

/// SVG drawn by the server: the run DAG and bar charts. Every text is escaped.
enum Charts {
    struct Node {
        var key: String
        var label: String
        var status: String
        var detail: String
        var agentRunId: String?
    }

    /// The DAG laid out by dependency level, parallel branches side by side.
    static func dag(definition: WorkflowDef, nodes: [String: Node]) -> String {
        let levels = definition.levels()
        let columns = Dictionary(grouping: definition.steps, by: { levels[$0.key] ?? 0 })
        let width = 220
        let height = 62
        let gapX = 50
        let gapY = 22
        var position: [String: (x: Int, y: Int)] = [:]
        let tallest = columns.values.map(\.count).max() ?? 1
        for (level, steps) in columns {
            let offset = (tallest - steps.count) * (height + gapY) / 2
            for (index, step) in steps.enumerated() {
                position[step.key] = (20 + level * (width + gapX), 20 + offset + index * (height + gapY))
            }
        }
        let totalWidth = 40 + ((levels.values.max() ?? 0) + 1) * (width + gapX) - gapX
        let totalHeight = 40 + tallest * (height + gapY) - gapY
        var svg =
            "<svg class=\"dag\" viewBox=\"0 0 \(totalWidth) \(totalHeight)\" width=\"\(totalWidth)\" role=\"img\" aria-label=\"Workflow steps\">"
        for step in definition.steps {
            guard let to = position[step.key] else { continue }
            for dependency in step.dependsOn {
                guard let from = position[dependency] else { continue }
                svg +=
                    "<path class=\"edge\" d=\"M\(from.x + width) \(from.y + height / 2) C\(from.x + width + gapX / 2) \(from.y + height / 2), \(to.x - gapX / 2) \(to.y + height / 2), \(to.x) \(to.y + height / 2)\"/>"
            }
        }
        for step in definition.steps {
            guard let at = position[step.key] else { continue }
            let node = nodes[step.key] ?? Node(key: step.key, label: step.key, status: "pending", detail: "", agentRunId: nil)
            let run = node.agentRunId.map { " data-agent-run=\"\(HTMLSafety.escape($0))\"" } ?? ""
            svg +=
                "<g class=\"node status-\(HTMLSafety.escape(node.status))\" data-step=\"\(HTMLSafety.escape(step.key))\"\(run) tabindex=\"0\" role=\"button\" aria-label=\"\(HTMLSafety.escape(step.key)) \(HTMLSafety.escape(node.status))\" transform=\"translate(\(at.x),\(at.y))\">"
            svg += "<rect width=\"\(width)\" height=\"\(height)\" rx=\"10\"/>"
            svg += "<text x=\"12\" y=\"22\" class=\"label\">\(HTMLSafety.escape(String(node.label.prefix(24))))</text>"
            svg +=
                "<text x=\"12\" y=\"42\" class=\"detail\"><tspan class=\"state\">\(HTMLSafety.escape(node.status.replacingOccurrences(of: "_", with: " ")))</tspan><tspan class=\"cost\" dx=\"8\">\(HTMLSafety.escape(node.detail))</tspan></text>"
            svg += "</g>"
        }
        return svg + "</svg>"
    }

    /// A horizontal bar chart of labelled values.
    static func bars(_ values: [(label: String, value: Double)], format: (Double) -> String) -> String {
        guard !values.isEmpty else { return "<p class=\"muted\">No data yet.</p>" }
        let maximum = max(values.map(\.value).max() ?? 0, 1e-9)
        let rowHeight = 24
        let labelWidth = 150
        let barWidth = 360
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(labelWidth + barWidth + 90) \(values.count * rowHeight + 8)\" role=\"img\">"
        for (index, item) in values.enumerated() {
            let y = 4 + index * rowHeight
            let length = Int(Double(barWidth) * item.value / maximum)
            svg += "<text x=\"0\" y=\"\(y + 16)\" class=\"axis\">\(HTMLSafety.escape(item.label))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(max(length, 1))\" height=\"16\" class=\"bar\"/>"
            svg += "<text x=\"\(labelWidth + length + 6)\" y=\"\(y + 16)\" class=\"axis\">\(HTMLSafety.escape(format(item.value)))</text>"
        }
        return svg + "</svg>"
    }
}
