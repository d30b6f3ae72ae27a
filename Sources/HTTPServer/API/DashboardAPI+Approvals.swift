import APIContract
import Core
import Foundation
import Orchestrator
import Persistence

/// The approval queue and decisions. Who decided (the key) and when is recorded; a second
/// decision is 409. A decision's body is optional: none approves or rejects as shown.
extension DashboardAPI {
    func getApprovals(_ input: Operations.GetApprovals.Input) async throws -> Operations.GetApprovals.Output {
        let principal = try RequestScope.caller()
        let status: Approval.Status? =
            switch input.query.status {
            case nil, .pending: .pending
            case .approved: .approved
            case .rejected: .rejected
            case .all: nil
            }
        let limit = try Parameters.limit(input.query.limit, default: 50)
        let items = try await database.withWorkspace(principal.workspaceId) {
            try ApprovalRepository.list(status: status, limit: limit, on: $0)
        }
        return .ok(.init(body: .json(.init(items: try items.map(Components.Schemas.Approval.init)))))
    }

    func getApprovalsId(_ input: Operations.GetApprovalsId.Input) async throws -> Operations.GetApprovalsId.Output {
        let principal = try RequestScope.caller()
        let id = try Parameters.id(input.path.id, as: Approval.self)
        guard let approval = try await database.withWorkspace(principal.workspaceId, { try ApprovalRepository.find(id, on: $0) }) else {
            throw AppError.notFound("approval \(id) not found")
        }
        return .ok(.init(body: .json(try .init(approval))))
    }

    func postApprovalsIdApprove(_ input: Operations.PostApprovalsIdApprove.Input) async throws -> Operations.PostApprovalsIdApprove.Output {
        var decision = ApprovalDecision(approve: true)
        if case .json(let body) = input.body {
            decision.note = try HTTPJSON.bounded(body.note, "note", max: 2000)
            decision.budgetUsd = body.budgetUsd
            decision.items = try (body.items ?? []).enumerated().map { index, entry in
                guard let action = ItemDecision.Action(rawValue: entry.action) else {
                    throw AppError.invalidInput("items[\(index)].action must be approve, edit or drop")
                }
                return ItemDecision(id: entry.id, action: action, text: entry.text)
            }
        }
        return .ok(.init(body: .json(try await decide(input.path.id, decision))))
    }

    func postApprovalsIdReject(_ input: Operations.PostApprovalsIdReject.Input) async throws -> Operations.PostApprovalsIdReject.Output {
        var decision = ApprovalDecision(approve: false)
        if case .json(let body) = input.body {
            if body.budgetUsd != nil { throw AppError.invalidInput("unknown field budget_usd") }
            if body.items != nil { throw AppError.invalidInput("unknown field items") }
            decision.note = try HTTPJSON.bounded(body.note, "note", max: 2000)
        }
        return .ok(.init(body: .json(try await decide(input.path.id, decision))))
    }

    func decide(_ approval: String, _ decision: ApprovalDecision) async throws -> Components.Schemas.Approval {
        let principal = try RequestScope.caller()
        let decided = try await service.decide(
            try Parameters.id(approval, as: Approval.self), decision, by: principal.apiKeyId, byName: principal.keyName,
            workspace: principal.workspaceId)
        return try .init(decided)
    }
}

extension Components.Schemas.Approval {
    init(_ approval: Approval) throws {
        self.init(
            id: approval.id.description, workspaceId: approval.workspaceId.description, runId: approval.runId.description,
            stepId: approval.stepId.description, stepKey: approval.stepKey, status: try ContractValue.of(approval.status),
            payload: approval.payload, decisionNote: approval.decisionNote, decidedByKeyId: approval.decidedByKeyId?.description,
            decidedByName: approval.decidedByName, decisions: approval.decisions.arrayValue ?? [], decidedAt: approval.decidedAt,
            createdAt: approval.createdAt)
    }
}
