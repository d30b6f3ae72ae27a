import APIContract
import Agents
import Core
import Foundation
import Persistence

/// The workspace's connected accounts (admin role) and a run's read-only report share links.
/// Tokens and share secrets never appear in an answer, but for a new share's once.
extension DashboardAPI {
    func getAccounts(_ input: Operations.GetAccounts.Input) async throws -> Operations.GetAccounts.Output {
        let principal = try RequestScope.caller()
        let items = try await accounts.list(workspace: principal.workspaceId)
        return .ok(.init(body: .json(.init(items: try items.map(Components.Schemas.ConnectedAccount.init)))))
    }

    func deleteAccountsId(_ input: Operations.DeleteAccountsId.Input) async throws -> Operations.DeleteAccountsId.Output {
        let principal = try RequestScope.caller()
        let id = try Parameters.uuid(input.path.id)
        guard let account = try await accounts.disconnect(id, workspace: principal.workspaceId) else {
            throw AppError.notFound("no account \(id)")
        }
        return .ok(.init(body: .json(try .init(account))))
    }

    func getWorkflowsRunsIdShares(_ input: Operations.GetWorkflowsRunsIdShares.Input) async throws
        -> Operations.GetWorkflowsRunsIdShares.Output
    {
        let principal = try RequestScope.caller()
        let run = try Parameters.id(input.path.id, as: WorkflowRun.self)
        let shares = try await database.withWorkspace(principal.workspaceId) { c -> [ReportShare]? in
            guard try RunRepository.find(run, on: c) != nil else { return nil }
            return try ReportShareRepository.list(run: run, on: c)
        }
        guard let shares else { throw AppError.notFound("run \(run) not found") }
        return .ok(.init(body: .json(.init(items: shares.map(Components.Schemas.Share.init)))))
    }

    func postWorkflowsRunsIdShares(_ input: Operations.PostWorkflowsRunsIdShares.Input) async throws
        -> Operations.PostWorkflowsRunsIdShares.Output
    {
        let principal = try RequestScope.caller()
        guard case .json(let body) = input.body else { throw AppError.invalidInput("send the body as application/json") }
        let days = try ReportsController.days(body.expiresInDays, given: body.expiresInDays != nil)
        let (share, token) = try await ReportsController.share(
            try Parameters.id(input.path.id, as: WorkflowRun.self), days: days, by: principal.keyName, principal.workspaceId, database)
        return .created(.init(body: .json(.init(value1: .init(share), value2: .init(token: token, url: "/shared/\(token)")))))
    }

    func deleteWorkflowsRunsIdSharesShareId(_ input: Operations.DeleteWorkflowsRunsIdSharesShareId.Input) async throws
        -> Operations.DeleteWorkflowsRunsIdSharesShareId.Output
    {
        let principal = try RequestScope.caller()
        let share = try Parameters.uuid(input.path.shareId, "share_id")
        try await ReportsController.revoke(
            try Parameters.id(input.path.id, as: WorkflowRun.self), share: share, principal.workspaceId, database)
        return .noContent(.init())
    }
}

extension Components.Schemas.ConnectedAccount {
    init(_ account: ConnectedAccount) throws {
        self.init(
            id: account.id.lowercasedString, kind: try ContractValue.of(account.kind), externalId: account.externalId,
            handle: account.handle, displayName: account.displayName, scopes: account.scopes, missingScopes: account.missingScopes,
            status: try ContractValue.of(account.status), expiresAt: account.expiresAt, refreshExpiresAt: account.refreshExpiresAt,
            lastError: account.lastError, createdAt: account.createdAt, updatedAt: account.updatedAt)
    }
}

extension Components.Schemas.Share {
    init(_ share: ReportShare) {
        self.init(
            id: share.id.lowercasedString, runId: share.runId.description, createdBy: share.createdBy, expiresAt: share.expiresAt,
            revokedAt: share.revokedAt, createdAt: share.createdAt)
    }
}
