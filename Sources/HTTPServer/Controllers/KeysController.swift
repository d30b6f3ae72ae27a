import Core
import Foundation
import Hummingbird
import Persistence

/// API keys of the workspace (admin role, see `AccessRules`): list, create with a role (the
/// plaintext is answered once), revoke — effective at once on every process.
struct KeysController: Sendable {
    let database: Database

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("keys") { _, context in
            let principal = try context.requirePrincipal()
            let keys = try await database.withWorkspace(principal.workspaceId) { try WorkspaceRepository.keys(on: $0) }
            return HTTPJSON.response(["items": .array(keys.map(Self.json))])
        }
        group.post("keys") { request, context in
            let principal = try context.requirePrincipal()
            let body = try await HTTPJSON.object(request)
            try HTTPJSON.rejectUnknown(body, allowed: ["name", "role"])
            let (name, role) = try Self.parse(body)
            let issued = try await database.withWorkspace(principal.workspaceId) {
                try WorkspaceRepository.issueKey(workspace: principal.workspaceId, name: name, role: role, on: $0)
            }
            return HTTPJSON.response(
                [
                    "id": .string(issued.id.description), "name": .string(name), "role": .string(role.rawValue),
                    "api_key": .string(issued.plaintext),
                ], status: .created)
        }
        group.post("keys/{id}/revoke") { _, context in
            let principal = try context.requirePrincipal()
            let id = try context.id("id", as: APIKey.self)
            guard try await database.withWorkspace(principal.workspaceId, { try WorkspaceRepository.revokeKey(id, on: $0) }) else {
                throw AppError.notFound("no live key \(id)")
            }
            return HTTPJSON.response(["id": .string(id.description), "revoked": true])
        }
    }

    static func parse(_ body: [String: JSONValue]) throws -> (String, KeyRole) {
        guard let name = body["name"]?.stringValue?.trimmingCharacters(in: .whitespaces), (1...100).contains(name.count) else {
            throw AppError.invalidInput("name must be 1 to 100 characters")
        }
        guard let text = body["role"]?.stringValue, let role = KeyRole(rawValue: text) else {
            throw AppError.invalidInput("role must be one of admin, operator, viewer")
        }
        return (name, role)
    }

    static func json(_ key: APIKey) -> JSONValue {
        [
            "id": .string(key.id.description), "name": .string(key.name), "role": .string(key.role.rawValue),
            "key_prefix": .string(key.keyPrefix),
            "created_at": .string(Timestamp.format(key.createdAt)),
            "last_used_at": key.lastUsedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "revoked_at": key.revokedAt.map { .string(Timestamp.format($0)) } ?? .null,
        ]
    }
}
