import APIContract
import Core
import Foundation
import Persistence

/// The workspace's daily Claude and ads caps with today's use, and its evaluations.
extension DashboardAPI {
    func getSpendCaps(_ input: Operations.GetSpendCaps.Input) async throws -> Operations.GetSpendCaps.Output {
        let principal = try RequestScope.caller()
        return .ok(.init(body: .json(try await spendCaps(principal.workspaceId))))
    }

    func putSpendCaps(_ input: Operations.PutSpendCaps.Input) async throws -> Operations.PutSpendCaps.Output {
        let principal = try RequestScope.caller()
        guard case .json(let body) = input.body else { throw AppError.invalidInput("send the body as application/json") }
        let claude = try SpendCaps.cap(body.claudeDailyUsd, "claude_daily_usd")
        let ads = try SpendCaps.cap(body.adsDailyUsd, "ads_daily_usd")
        try await SpendCaps.save(claude: claude, ads: ads, principal.workspaceId, database)
        return .ok(.init(body: .json(try await spendCaps(principal.workspaceId))))
    }

    func spendCaps(_ workspace: WorkspaceID) async throws -> Components.Schemas.SpendCaps {
        let (claude, ads, own) = try await database.withWorkspace(workspace) { c in
            (
                try SpendLedgerRepository.headroom(.claude, on: c), try SpendLedgerRepository.headroom(.ads, on: c),
                try SpendLedgerRepository.ownCaps(on: c)
            )
        }
        func cap(_ headroom: SpendHeadroom, _ own: Double?) -> Components.Schemas.SpendCap {
            .init(capUsd: headroom.capUsd, spentTodayUsd: headroom.spentUsd, workspaceCapUsd: own)
        }
        return .init(claude: cap(claude, own.claude), ads: cap(ads, own.ads))
    }

    func getEvaluations(_ input: Operations.GetEvaluations.Input) async throws -> Operations.GetEvaluations.Output {
        let principal = try RequestScope.caller()
        let items = try await evaluations.list(workspace: principal.workspaceId)
        return .ok(.init(body: .json(.init(items: try items.map(Components.Schemas.Evaluation.init)))))
    }

    func postEvaluationsIdCancel(_ input: Operations.PostEvaluationsIdCancel.Input) async throws
        -> Operations.PostEvaluationsIdCancel.Output
    {
        let principal = try RequestScope.caller()
        let id = try Parameters.id(input.path.id, as: Evaluation.self)
        let ended = try await evaluations.cancel(id, by: principal.keyName, workspace: principal.workspaceId)
        return .ok(.init(body: .json(try .init(ended))))
    }
}

extension Components.Schemas.Evaluation {
    init(_ evaluation: Evaluation) throws {
        self.init(
            id: evaluation.id.description, name: evaluation.name, models: .init(additionalProperties: evaluation.models),
            status: try ContractValue.of(evaluation.status), createdBy: evaluation.createdBy, createdAt: evaluation.createdAt,
            completedAt: evaluation.completedAt)
    }
}
