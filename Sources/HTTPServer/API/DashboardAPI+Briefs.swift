import APIContract
import Core
import Foundation
import Persistence

/// Briefs: create (validated like the dashboard's form, bound to a connected account), list by
/// page, read, delete. Editing (`PATCH`) stays a hand-written route: it tells a field sent as
/// `null` (cleared) from one left out (kept), which the generated optionals cannot.
extension DashboardAPI {
    func postBriefs(_ input: Operations.PostBriefs.Input) async throws -> Operations.PostBriefs.Output {
        let principal = try RequestScope.caller()
        guard case .json(let body) = input.body else { throw AppError.invalidInput("send the body as application/json") }
        var fields: [String: JSONValue] = [:]
        fields["handle"] = body.handle.map(JSONValue.string)
        fields["target_type"] = body.targetType.map(JSONValue.string)
        fields["notes"] = body.notes.map(JSONValue.string)
        fields["brand_id"] = body.brandId.map(JSONValue.string)
        fields["account_id"] = body.accountId.map(JSONValue.string)
        fields["inputs"] = body.inputs
        let parsed = try BriefsController.parse(fields)
        let accounts = try await database.withWorkspace(principal.workspaceId) { try AccountRepository.list(on: $0) }
        let brief = try BriefsController.bindAccount(parsed, hadHandle: body.handle != nil, accounts: accounts, live: live)
        let created = try await BriefsController.store(brief, workspace: principal.workspaceId, database: database)
        return .created(.init(body: .json(try .init(created))))
    }

    func getBriefs(_ input: Operations.GetBriefs.Input) async throws -> Operations.GetBriefs.Output {
        let principal = try RequestScope.caller()
        let limit = try Parameters.limit(input.query.limit)
        let cursor = input.query.cursor.flatMap { $0.isEmpty ? nil : $0 }
        let page = try await database.withWorkspace(principal.workspaceId) {
            try BriefRepository.list(limit: limit, cursor: cursor, on: $0)
        }
        return .ok(.init(body: .json(.init(items: try page.items.map(Components.Schemas.Brief.init), nextCursor: page.nextCursor))))
    }

    func getBriefsId(_ input: Operations.GetBriefsId.Input) async throws -> Operations.GetBriefsId.Output {
        let principal = try RequestScope.caller()
        let id = try Parameters.id(input.path.id, as: Brief.self)
        guard let brief = try await database.withWorkspace(principal.workspaceId, { try BriefRepository.find(id, on: $0) }) else {
            throw AppError.notFound("brief \(id) not found")
        }
        return .ok(.init(body: .json(try .init(brief))))
    }

    func deleteBriefsId(_ input: Operations.DeleteBriefsId.Input) async throws -> Operations.DeleteBriefsId.Output {
        let principal = try RequestScope.caller()
        try await BriefsController.delete(
            try Parameters.id(input.path.id, as: Brief.self), workspace: principal.workspaceId, database: database)
        return .noContent(.init())
    }
}

extension Components.Schemas.Brief {
    init(_ brief: Brief) throws {
        self.init(
            id: brief.id.description, workspaceId: brief.workspaceId.description, handle: brief.handle,
            targetType: try ContractValue.of(brief.targetType), notes: brief.notes, brandId: brief.brandId,
            accountId: brief.accountId?.lowercasedString, inputs: brief.inputs, status: brief.status.rawValue,
            createdAt: brief.createdAt, updatedAt: brief.updatedAt)
    }
}
