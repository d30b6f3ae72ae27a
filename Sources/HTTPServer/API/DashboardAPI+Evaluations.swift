import APIContract
import Core
import Foundation
import Orchestrator

/// Evaluations (start one on recorded runs with a change, follow its comparison) and the copilot.
extension DashboardAPI {
    func postEvaluations(_ input: Operations.PostEvaluations.Input) async throws -> Operations.PostEvaluations.Output {
        let principal = try RequestScope.caller()
        guard case .json(let body) = input.body else { throw AppError.invalidInput("send the body as application/json") }
        var fields: [String: JSONValue] = [:]
        fields["run_ids"] = body.runIds.map { .array($0.map(JSONValue.string)) }
        fields["workflow"] = body.workflow.map(JSONValue.string)
        fields["handle"] = body.handle.map(JSONValue.string)
        fields["from"] = body.from.map(JSONValue.string)
        fields["to"] = body.to.map(JSONValue.string)
        fields["limit"] = body.limit.map { .number(JSONNumber($0)) }
        fields["models"] = body.models.map { .object($0.additionalProperties.mapValues(JSONValue.string)) }
        fields["name"] = body.name.map(JSONValue.string)
        let wanted = try EvaluationRequests.request(fields)
        let evaluation = try await evaluations.start(wanted, by: principal.keyName, workspace: principal.workspaceId)
        let report = try await evaluations.report(evaluation.id, workspace: principal.workspaceId)
        return .created(.init(body: .json(try .init(report))))
    }

    func getEvaluationsId(_ input: Operations.GetEvaluationsId.Input) async throws -> Operations.GetEvaluationsId.Output {
        let principal = try RequestScope.caller()
        let id = try Parameters.id(input.path.id, as: Evaluation.self)
        return .ok(.init(body: .json(try .init(try await evaluations.report(id, workspace: principal.workspaceId)))))
    }

    func postCopilot(_ input: Operations.PostCopilot.Input) async throws -> Operations.PostCopilot.Output {
        let principal = try RequestScope.caller()
        guard case .json(let body) = input.body else { throw AppError.invalidInput("send the body as application/json") }
        let message = body.message.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !message.isEmpty else { throw AppError.invalidInput("message is required") }
        guard message.count <= 2000 else { throw AppError.invalidInput("message must be at most 2000 characters") }
        let (reply, actions) = try await Copilot(orchestration: orchestration, principal: principal).respond(to: message, live: claudeLive)
        return .ok(.init(body: .json(.init(reply: reply, actions: actions))))
    }
}

extension Components.Schemas.EvaluationReport {
    init(_ report: EvaluationReport) throws {
        let json = report.json
        self.init(
            evaluation: try .init(report.evaluation), progress: .init(runs: report.pairs.count, ended: report.ended),
            totals: json["totals"] ?? [:], runs: json["runs"]?.arrayValue ?? [])
    }
}
