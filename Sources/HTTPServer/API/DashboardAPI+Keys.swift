import APIContract
import Core
import Foundation
import Persistence

/// API keys of the workspace (admin role, see `AccessRules`): list, create with a role (the
/// plaintext is answered once), revoke — effective at once on every process.
extension DashboardAPI {
    func getKeys(_ input: Operations.GetKeys.Input) async throws -> Operations.GetKeys.Output {
        let principal = try RequestScope.caller()
        let keys = try await database.withWorkspace(principal.workspaceId) { try WorkspaceRepository.keys(on: $0) }
        return .ok(.init(body: .json(.init(items: keys.map(Components.Schemas.APIKey.init)))))
    }

    func postKeys(_ input: Operations.PostKeys.Input) async throws -> Operations.PostKeys.Output {
        let principal = try RequestScope.caller()
        guard case .json(let body) = input.body else { throw AppError.invalidInput("send the body as application/json") }
        let (name, role) = try Self.newKey(name: body.name, role: body.role)
        let issued = try await database.withWorkspace(principal.workspaceId) {
            try WorkspaceRepository.issueKey(workspace: principal.workspaceId, name: name, role: role, on: $0)
        }
        return .created(
            .init(body: .json(.init(id: issued.id.description, name: name, role: .init(role), apiKey: issued.plaintext))))
    }

    /// A new key's name (trimmed, 1 to 100 characters) and role, or a 400 naming the problem.
    static func newKey(name: String, role: String) throws -> (String, KeyRole) {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(name.count) else { throw AppError.invalidInput("name must be 1 to 100 characters") }
        guard let role = KeyRole(rawValue: role) else { throw AppError.invalidInput("role must be one of admin, operator, viewer") }
        return (name, role)
    }

    func postKeysIdRevoke(_ input: Operations.PostKeysIdRevoke.Input) async throws -> Operations.PostKeysIdRevoke.Output {
        let principal = try RequestScope.caller()
        let id = try Parameters.id(input.path.id, as: APIKey.self)
        guard try await database.withWorkspace(principal.workspaceId, { try WorkspaceRepository.revokeKey(id, on: $0) }) else {
            throw AppError.notFound("no live key \(id)")
        }
        return .ok(.init(body: .json(.init(id: id.description, revoked: true))))
    }
}

extension Components.Schemas.APIKey {
    init(_ key: APIKey) {
        self.init(
            id: key.id.description, name: key.name, role: .init(key.role), keyPrefix: key.keyPrefix, createdAt: key.createdAt,
            lastUsedAt: key.lastUsedAt, revokedAt: key.revokedAt)
    }
}

extension Components.Schemas.KeyRole {
    init(_ role: KeyRole) {
        switch role {
        case .admin: self = .admin
        case .operator: self = ._operator
        case .viewer: self = .viewer
        }
    }
}
