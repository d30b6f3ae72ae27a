import Core
import Foundation
import Orchestrator

/// Charts drawn by the server as SVG: the run DAG, the timeline and bar charts. The geometry is
/// computed here; the markup is in the `chart*.mustache` templates, which escape every text.
enum Charts {
    struct Node {
        var key: String
        var label: String
        var status: String
        var detail: String
        var agentRunId: String?
    }

    /// The DAG laid out top to bottom by dependency level, parallel branches side by side, so a
    /// long workflow grows down the page rather than off its side. With `narrow` (a column beside
    /// the trace), a shallow, wide DAG (a fan-out of five into a synthesis) is laid out left to
    /// right instead, levels as columns, whenever that makes it narrower, so its text is not
    /// scaled down to unreadable.
    static func dag(definition: WorkflowDef, nodes: [String: Node], narrow: Bool = false) -> String {
        let levels = definition.levels()
        let byLevel = Dictionary(grouping: definition.steps, by: { levels[$0.key] ?? 0 })
        let (width, height, gapX, gapY, gapColumns) = (200, 56, 24, 34, 48)
        let widest = byLevel.values.map(\.count).max() ?? 1
        let depth = (levels.values.max() ?? 0) + 1
        let acrossWidth = 40 + widest * (width + gapX) - gapX
        let downWidth = 40 + depth * (width + gapColumns) - gapColumns
        let leftToRight = narrow && downWidth < acrossWidth
        let (totalWidth, totalHeight) =
            leftToRight ? (downWidth, 32 + widest * (height + gapX) - gapX) : (acrossWidth, 32 + depth * (height + gapY) - gapY)
        // Where the `index`th of `count` boxes `size` long, `gapX` apart, starts when they are centred in `span`.
        func centred(_ index: Int, of count: Int, size: Int, in span: Int) -> Int {
            (span - (count * (size + gapX) - gapX)) / 2 + index * (size + gapX)
        }
        var position: [String: (x: Int, y: Int)] = [:]
        for (level, steps) in byLevel {
            for (index, step) in steps.enumerated() {
                position[step.key] =
                    leftToRight
                    ? (20 + level * (width + gapColumns), 16 + centred(index, of: steps.count, size: height, in: totalHeight - 32))
                    : (20 + centred(index, of: steps.count, size: width, in: totalWidth - 40), 16 + level * (height + gapY))
            }
        }
        var edges: [[String: Any]] = []
        for step in definition.steps {
            guard let to = position[step.key] else { continue }
            for dependency in step.dependsOn {
                guard let from = position[dependency] else { continue }
                if leftToRight {
                    let (x1, y1, x2, y2) = (from.x + width, from.y + height / 2, to.x, to.y + height / 2)
                    edges.append(["d": "M\(x1) \(y1) C\(x1 + gapColumns / 2) \(y1), \(x2 - gapColumns / 2) \(y2), \(x2) \(y2)"])
                } else {
                    let (x1, y1, x2, y2) = (from.x + width / 2, from.y + height, to.x + width / 2, to.y)
                    edges.append(["d": "M\(x1) \(y1) C\(x1) \(y1 + gapY / 2), \(x2) \(y2 - gapY / 2), \(x2) \(y2)"])
                }
            }
        }
        let drawn: [[String: Any]] = definition.steps.compactMap { step in
            guard let at = position[step.key] else { return nil }
            let node = nodes[step.key] ?? Node(key: step.key, label: step.key, status: "pending", detail: "", agentRunId: nil)
            return [
                "key": step.key, "status": node.status, "state": node.status.replacingOccurrences(of: "_", with: " "),
                "agentRun": node.agentRunId ?? false, "x": at.x, "y": at.y, "nodeWidth": width, "nodeHeight": height,
                "label": String(node.label.prefix(24)), "detail": node.detail,
            ]
        }
        return Templates.render("chartDag", ["width": totalWidth, "height": totalHeight, "edges": edges, "nodes": drawn])
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
        guard !rows.isEmpty else { return Templates.render("chartTimeline", ["empty": true]) }
        let span = max(end.timeIntervalSince(start), 0.001)
        let (labelWidth, plot, rowHeight) = (170.0, 620.0, 26)
        let height = rows.count * rowHeight + 30
        let ticks: [[String: Any]] = (0...4).map { tick in
            [
                "x": Int(labelWidth + plot * Double(tick) / 4), "lineEnd": height - 18, "labelY": height - 4,
                "label": DisplayFormat.duration(milliseconds: Int(span * 1000 * Double(tick) / 4)),
            ]
        }
        let lanes: [[String: Any]] = rows.enumerated().map { index, key in
            let y = index * rowHeight
            let bars: [[String: Any]] = (attempts[key] ?? []).enumerated().map { number, attempt in
                let from = labelWidth + plot * max(0, attempt.start.timeIntervalSince(start)) / span
                let to = labelWidth + plot * max(0, (attempt.end ?? end).timeIntervalSince(start)) / span
                let took = DisplayFormat.duration(milliseconds: Int(((attempt.end ?? end).timeIntervalSince(attempt.start)) * 1000))
                return [
                    "outcome": attempt.outcome, "x": String(format: "%.1f", from), "y": y + 5,
                    "width": String(format: "%.1f", max(to - from, 2)),
                    "title": "\(key) attempt \(number + 1): \(attempt.outcome.replacingOccurrences(of: "_", with: " ")), \(took)",
                ]
            }
            return ["key": key, "label": String(key.prefix(22)), "labelY": y + 17, "bars": bars]
        }
        return Templates.render(
            "chartTimeline", ["empty": false, "width": Int(labelWidth + plot + 20), "height": height, "ticks": ticks, "lanes": lanes])
    }

    /// A horizontal bar chart of labelled values.
    static func bars(_ values: [(label: String, value: Double)], format: (Double) -> String) -> String {
        guard !values.isEmpty else { return Templates.render("chartBars", ["empty": true]) }
        let maximum = max(values.map(\.value).max() ?? 0, 1e-9)
        let (rowHeight, labelWidth, barWidth) = (24, 150, 360)
        let rows: [[String: Any]] = values.enumerated().map { index, item in
            let y = 4 + index * rowHeight
            let length = Int(Double(barWidth) * item.value / maximum)
            return [
                "label": item.label, "value": format(item.value), "textY": y + 16, "barX": labelWidth, "barY": y + 4,
                "length": max(length, 1), "valueX": labelWidth + length + 6,
            ]
        }
        return Templates.render(
            "chartBars", ["empty": false, "width": labelWidth + barWidth + 90, "height": values.count * rowHeight + 8, "rows": rows])
    }
}
