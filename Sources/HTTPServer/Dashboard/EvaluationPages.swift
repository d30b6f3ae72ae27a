import Agents
import Core
import Foundation
import Hummingbird
import Orchestrator
import Persistence

/// Evaluations: the list with a form to start one, a run's "Evaluate with…", and the comparison
/// page (what changed in the reports for a marketer; prompts, tokens and cost per call for an engineer).
extension DashboardController {
    func addEvaluationRoutes(to router: Router<AppContext>) {
        router.get("/evaluations") { request, _ in
            try await page(request) { principal, csrf in try await evaluationsPage(principal, csrf) }
        }
        router.post("/evaluations") { request, _ in
            let (principal, form) = try await signedInForm(request)
            var body: [String: JSONValue] = [:]
            for key in ["workflow", "handle", "from", "to", "name"] { body[key] = form[key].map { .string($0) } }
            if let limit = form["limit"]?.trimmingCharacters(in: .whitespaces), !limit.isEmpty {
                guard let value = Int(limit) else { throw AppError.invalidInput("limit must be a whole number") }
                body["limit"] = .number(value)
            }
            body["models"] = try Self.modelChange(form)
            return try await startEvaluation(EvaluationRequests.request(body), principal)
        }
        router.post("/runs/{id}/evaluate") { request, context in
            let (principal, form) = try await signedInForm(request)
            let run = try context.id("id", as: WorkflowRun.self)
            return try await startEvaluation(
                EvaluationRequests.request(["run_ids": [.string(run.description)], "models": try Self.modelChange(form)]), principal)
        }
        router.get("/evaluations/{id}") { request, context in
            try await page(request) { principal, csrf in try await evaluationPage(context, principal, csrf) }
        }
        router.post("/evaluations/{id}/cancel") { request, context in
            let (principal, _) = try await signedInForm(request)
            let id = try context.id("id", as: Evaluation.self)
            _ = try await dependencies.evaluations.cancel(id, by: principal.keyName, workspace: principal.workspaceId)
            return Self.redirect("/evaluations/\(id)")
        }
    }

    /// The form's `agent` and `model` as a model change (none when either is empty).
    static func modelChange(_ form: [String: String]) throws -> JSONValue {
        let agent = (form["agent"] ?? "").trimmingCharacters(in: .whitespaces)
        let model = (form["model"] ?? "").trimmingCharacters(in: .whitespaces)
        if agent.isEmpty != model.isEmpty { throw AppError.invalidInput("choose both an agent and the model it should use") }
        return agent.isEmpty ? [:] : .object([agent: .string(model)])
    }

    func startEvaluation(_ wanted: EvaluationRequest, _ principal: Principal) async throws -> Response {
        let evaluation = try await dependencies.evaluations.start(wanted, by: principal.keyName, workspace: principal.workspaceId)
        return Self.redirect("/evaluations/\(evaluation.id)")
    }

    /// The agents and current models the change pickers offer.
    func modelPickers() -> [String: Any] {
        let models = dependencies.providers.models.current(at: dependencies.clock.now()).map(\.id)
        return ["agents": Catalog.modelUsers.filter { $0 != "copilot" }, "models": models]
    }

    func evaluationsPage(_ principal: Principal, _ csrf: String) async throws -> Page {
        let items = try await dependencies.evaluations.list(workspace: principal.workspaceId)
        var row = modelPickers()
        row["csrf"] = csrf
        row["workflows"] = SeededWorkflows.all.map(\.slug)
        row["items"] = items.map {
            [
                "id": $0.id.description, "name": $0.name, "status": $0.status.rawValue, "created": Self.when($0.createdAt),
                "by": $0.createdBy ?? "a key",
            ]
        }
        row["empty"] = items.isEmpty
        return Page(title: "Evaluations", body: Templates.render("evaluations", row))
    }

    func evaluationPage(_ context: AppContext, _ principal: Principal, _ csrf: String) async throws -> Page {
        let report = try await dependencies.evaluations.report(try context.id("id", as: Evaluation.self), workspace: principal.workspaceId)
        let (before, after) = (report.before, report.after)
        func line(_ label: String, _ a: Double, _ b: Double, money: Bool = false) -> [String: Any] {
            let show = { (value: Double) in money ? Self.money(value) : DisplayFormat.count(value) }
            let delta = a == b ? "no change" : a == 0 ? "new" : (b > a ? "+" : "") + DisplayFormat.percent((b - a) / a)
            return ["label": label, "before": show(a), "after": show(b), "delta": delta]
        }
        let totals = [
            line("Claude calls", Double(before.calls), Double(after.calls)), line("Repairs", Double(before.repairs), Double(after.repairs)),
            line("Failed calls", Double(before.failures), Double(after.failures)),
            line(
                "Input tokens", Double(before.inputTokens + before.cacheReadTokens + before.cacheWriteTokens),
                Double(after.inputTokens + after.cacheReadTokens + after.cacheWriteTokens)),
            line("Output tokens", Double(before.outputTokens), Double(after.outputTokens)),
            line("Claude cost", before.costUsd, after.costUsd, money: true),
            line("Claude time (s)", Double(before.latencyMs) / 1000, Double(after.latencyMs) / 1000),
        ]
        let runs: [[String: Any]] = report.pairs.map { pair in
            let diff = pair.reportDiff
            return [
                "handle": pair.source.input["brief"]?["handle"]?.stringValue ?? "", "workflow": pair.source.workflowSlug,
                "source": pair.source.id.description, "run": pair.run.id.description, "status": pair.run.status.rawValue,
                "statusLabel": pair.run.status.rawValue.replacingOccurrences(of: "_", with: " "), "valid": pair.valid,
                "ended": pair.run.status.isTerminal, "costBefore": Self.money(pair.before.costUsd),
                "costAfter": Self.money(pair.after.costUsd),
                "unchanged": diff.isEmpty, "diff": Self.diffLines(diff),
                "steps": pair.changedSteps.map {
                    ["key": $0.key, "status": $0.status.rawValue, "error": $0.error ?? "", "diff": Self.diffLines($0.diff)]
                },
                "calls": pair.calls.map { call -> [String: Any] in
                    func cell(_ step: AgentStep?) -> String {
                        guard let step else { return "—" }
                        return
                            "\(step.model ?? "?") · \(step.inputTokens + step.cacheReadInputTokens + step.cacheCreationInputTokens) in / \(step.outputTokens) out · \(Self.money(step.costUsd))"
                    }
                    let versions = [call.before?.promptVersion, call.after?.promptVersion]
                    return [
                        "agent": call.agent, "before": cell(call.before), "after": cell(call.after),
                        "prompt": versions[0] == versions[1] ? (versions[0] ?? "—") : "\(versions[0] ?? "—") → \(versions[1] ?? "—")",
                        "changedModel": call.before?.model != call.after?.model,
                    ]
                },
            ]
        }
        let evaluation = report.evaluation
        let row: [String: Any] = [
            "id": evaluation.id.description, "name": evaluation.name, "status": evaluation.status.rawValue,
            "running": evaluation.status == .running, "csrf": csrf, "ended": report.ended, "total": report.pairs.count,
            "change": evaluation.models.isEmpty
                ? "the prompts and models of this build"
                : evaluation.models.sorted { $0.key < $1.key }.map { "\($0.key) on \($0.value)" }.joined(separator: ", "),
            "totals": totals, "runs": runs, "changedReports": report.pairs.filter { !$0.reportDiff.isEmpty }.count,
            "invalid": report.pairs.filter { $0.run.status.isTerminal && !$0.valid }.count,
        ]
        return Page(title: "Evaluation: \(evaluation.name)", body: Templates.render("evaluation", row))
    }

    /// A diff's lines, each marked as removed, added or a note, for the page to colour.
    static func diffLines(_ diff: String) -> [[String: String]] {
        diff.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            ["text": String(line), "kind": line.hasPrefix("+ ") ? "added" : line.hasPrefix("- ") ? "removed" : "note"]
        }
    }
}
