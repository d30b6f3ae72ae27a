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

    /// The DAG laid out top to bottom by dependency level, parallel branches side by side, so a
    /// long workflow grows down the page rather than off its side.
    static func dag(definition: WorkflowDef, nodes: [String: Node]) -> String {
        let levels = definition.levels()
        let rows = Dictionary(grouping: definition.steps, by: { levels[$0.key] ?? 0 })
        let (width, height, gapX, gapY) = (200, 56, 24, 34)
        let widest = rows.values.map(\.count).max() ?? 1
        let totalWidth = 40 + widest * (width + gapX) - gapX
        var position: [String: (x: Int, y: Int)] = [:]
        for (level, steps) in rows {
            let offset = (totalWidth - 40 - (steps.count * (width + gapX) - gapX)) / 2
            for (index, step) in steps.enumerated() {
                position[step.key] = (20 + offset + index * (width + gapX), 16 + level * (height + gapY))
            }
        }
        let totalHeight = 32 + ((levels.values.max() ?? 0) + 1) * (height + gapY) - gapY
        var svg =
            "<svg class=\"dag\" viewBox=\"0 0 \(totalWidth) \(totalHeight)\" width=\"\(totalWidth)\" role=\"img\" aria-label=\"Workflow steps\">"
        for step in definition.steps {
            guard let to = position[step.key] else { continue }
            for dependency in step.dependsOn {
                guard let from = position[dependency] else { continue }
                let (x1, y1, x2, y2) = (from.x + width / 2, from.y + height, to.x + width / 2, to.y)
                svg += "<path class=\"edge\" d=\"M\(x1) \(y1) C\(x1) \(y1 + gapY / 2), \(x2) \(y2 - gapY / 2), \(x2) \(y2)\"/>"
            }
        }
        for step in definition.steps {
            guard let at = position[step.key] else { continue }
            let node = nodes[step.key] ?? Node(key: step.key, label: step.key, status: "pending", detail: "", agentRunId: nil)
            let run = node.agentRunId.map { " data-agent-run=\"\(HTMLSafety.escape($0))\"" } ?? ""
            let status = node.status.replacingOccurrences(of: "_", with: " ")
            svg +=
                "<g class=\"node status-\(HTMLSafety.escape(node.status))\" data-step=\"\(HTMLSafety.escape(step.key))\"\(run) tabindex=\"0\" role=\"button\" aria-label=\"\(HTMLSafety.escape(step.key)) \(HTMLSafety.escape(status))\" transform=\"translate(\(at.x),\(at.y))\">"
            svg += "<rect width=\"\(width)\" height=\"\(height)\" rx=\"10\"/>"
            svg += "<text x=\"12\" y=\"22\" class=\"label\">\(HTMLSafety.escape(String(node.label.prefix(24))))</text>"
            svg +=
                "<text x=\"12\" y=\"42\" class=\"detail\"><tspan class=\"state\">\(HTMLSafety.escape(status))</tspan><tspan class=\"cost\" dx=\"8\">\(HTMLSafety.escape(node.detail))</tspan></text>"
            svg += "</g>"
        }
        return svg + "</svg>"
    }

    /// One try of a step on the timeline.
    struct Attempt {
        var start: Date
        var end: Date?
        /// `succeeded`, `failed`, `retrying`, `running` or `awaiting_approval`.
        var outcome: String
    }

    /// The steps' attempts from their run events: a `step.started` opens one, the step's next
    /// outcome closes it; an approval waits from its request to its decision.
    static func attempts(_ events: [RunEvent]) -> [String: [Attempt]] {
        var byStep: [String: [Attempt]] = [:]
        for event in events {
            guard let key = event.data["step_key"]?.stringValue else { continue }
            var list = byStep[key] ?? []
            let open = list.last.map { $0.end == nil } ?? false
            switch event.event {
            case .stepStarted: list.append(Attempt(start: event.createdAt, end: nil, outcome: "running"))
            case .stepAwaitingApproval: list.append(Attempt(start: event.createdAt, end: nil, outcome: "awaiting_approval"))
            case .stepSucceeded, .stepFailed:
                let outcome = event.event == .stepSucceeded ? "succeeded" : event.data["will_retry"] == true ? "retrying" : "failed"
                if open {
                    list[list.count - 1].end = event.createdAt
                    list[list.count - 1].outcome = outcome
                } else {
                    list.append(Attempt(start: event.createdAt, end: event.createdAt, outcome: outcome))
                }
            default: continue
            }
            byStep[key] = list
        }
        return byStep
    }

    /// A Gantt of the steps' attempts against the run's wall clock, one row per step.
    static func timeline(order: [String], attempts: [String: [Attempt]], start: Date, end: Date) -> String {
        let rows = order.filter { attempts[$0]?.isEmpty == false }
        guard !rows.isEmpty else { return "<p class=\"muted\">No step has started yet.</p>" }
        let span = max(end.timeIntervalSince(start), 0.001)
        let (labelWidth, plot, rowHeight) = (170.0, 620.0, 26)
        let height = rows.count * rowHeight + 30
        var svg =
            "<svg class=\"timeline\" viewBox=\"0 0 \(Int(labelWidth + plot + 20)) \(height)\" role=\"img\" aria-label=\"Timeline of the steps and their attempts\">"
        for tick in 0...4 {
            let x = labelWidth + plot * Double(tick) / 4
            svg += "<line class=\"tick\" x1=\"\(Int(x))\" x2=\"\(Int(x))\" y1=\"0\" y2=\"\(height - 18)\"/>"
            let label = DisplayFormat.duration(milliseconds: Int(span * 1000 * Double(tick) / 4))
            svg += "<text class=\"axis\" x=\"\(Int(x))\" y=\"\(height - 4)\" text-anchor=\"middle\">\(HTMLSafety.escape(label))</text>"
        }
        for (index, key) in rows.enumerated() {
            let y = index * rowHeight
            svg += "<g class=\"lane\" data-step=\"\(HTMLSafety.escape(key))\">"
            svg += "<text class=\"axis\" x=\"0\" y=\"\(y + 17)\">\(HTMLSafety.escape(String(key.prefix(22))))</text>"
            for (number, attempt) in (attempts[key] ?? []).enumerated() {
                let from = labelWidth + plot * max(0, attempt.start.timeIntervalSince(start)) / span
                let to = labelWidth + plot * max(0, (attempt.end ?? end).timeIntervalSince(start)) / span
                let took = DisplayFormat.duration(milliseconds: Int(((attempt.end ?? end).timeIntervalSince(attempt.start)) * 1000))
                svg +=
                    "<rect class=\"bar status-\(attempt.outcome)\" x=\"\(String(format: "%.1f", from))\" y=\"\(y + 5)\" width=\"\(String(format: "%.1f", max(to - from, 2)))\" height=\"16\" rx=\"3\"><title>\(HTMLSafety.escape("\(key) attempt \(number + 1): \(attempt.outcome.replacingOccurrences(of: "_", with: " ")), \(took)"))</title></rect>"
            }
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
