import Core
import Foundation
import Hummingbird
import Orchestrator
import Persistence

/// Two runs side by side: totals, each step's status, cost and time, and each step's findings.
extension DashboardController {
    func compare(_ request: Request, _ principal: Principal) async throws -> Page {
        let ids = request.uri.queryParameters.getAll("run").map { String($0) }
        guard ids.count == 2 else { throw AppError.invalidInput("choose exactly two runs to compare (\(ids.count) chosen)") }
        let runIds = try ids.map { raw -> WorkflowRunID in
            guard let id = WorkflowRunID(raw) else { throw AppError.invalidInput("run \(raw) is not a run id") }
            return id
        }
        let loaded = try await database.withWorkspace(principal.workspaceId) { c in
            try runIds.map { id -> (WorkflowRun, [WorkflowStep])? in
                guard let run = try RunRepository.find(id, on: c) else { return nil }
                return (run, try StepRepository.list(run: id, on: c))
            }
        }
        let pairs = try zip(runIds, loaded).map { id, pair in
            guard let pair else { throw AppError.notFound("run \(id) not found") }
            return pair
        }
        let (left, right) = (pairs[0], pairs[1])
        var keys = left.1.map { $0.stepKey }
        for key in right.1.map({ $0.stepKey }) where !keys.contains(key) { keys.append(key) }
        let rows: [[String: Any]] = keys.map { key in
            let a = left.1.first { $0.stepKey == key }
            let b = right.1.first { $0.stepKey == key }
            func cell(_ step: WorkflowStep?, _ run: WorkflowRun) -> [String: Any] {
                guard let step else { return ["status": "—", "detail": "not in this run", "findings": ""] }
                let lines = step.agentName.map { ReportComposer.render(agent: $0, output: step.output ?? [:]) } ?? []
                return [
                    "status": Self.shownStatus(step, run: run).replacingOccurrences(of: "_", with: " "),
                    "detail": "\(Self.money(step.costUsd)) · \(Self.duration(step.latencyMs))",
                    "findings": lines.isEmpty ? "" : HTMLSafety.markdown(lines.joined(separator: "\n")),
                ]
            }
            return [
                "key": key, "a": cell(a, left.0), "b": cell(b, right.0),
                "differs": a?.output != b?.output || a?.status != b?.status,
            ]
        }
        func summary(_ run: WorkflowRun) -> [String: Any] {
            var row = Self.runRow(run)
            row["reportHTML"] = run.reportMd.map(HTMLSafety.markdown) ?? ""
            return row
        }
        let costDelta = right.0.totalCostUsd - left.0.totalCostUsd
        return Page(
            title: "Compare runs",
            body: Templates.render(
                "compare",
                [
                    "a": summary(left.0), "b": summary(right.0), "steps": rows,
                    "costDelta": (costDelta >= 0 ? "+" : "") + Self.money(costDelta),
                    "changed": rows.filter { $0["differs"] as? Bool == true }.count,
                ]))
    }
}
