import Agents
import Core
import Foundation
import Hummingbird

/// The workspace's connected accounts as JSON (admin role): list, and disconnect (revoked at
/// the provider, then marked disconnected). Tokens never appear in an answer.
struct AccountsController: Sendable {
    let accounts: AccountService

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("accounts") { _, context in
            let principal = try context.requirePrincipal()
            let items = try await accounts.list(workspace: principal.workspaceId)
            return HTTPJSON.response(["items": .array(items.map(Self.json))])
        }
        group.delete("accounts/{id}") { _, context in
            let principal = try context.requirePrincipal()
            guard let id = UUID(uuidString: try context.parameter("id")) else { throw AppError.invalidInput("id must be a UUID") }
            guard let account = try await accounts.disconnect(id, workspace: principal.workspaceId) else {
                throw AppError.notFound("no account \(id)")
            }
            return HTTPJSON.response(Self.json(account))
        }
    }

    static func json(_ account: ConnectedAccount) -> JSONValue {
        [
            "id": .string(account.id.uuidString.lowercased()), "kind": .string(account.kind.rawValue),
            "external_id": .string(account.externalId),
            "handle": .string(account.handle), "display_name": account.displayName.map { .string($0) } ?? .null,
            "scopes": .array(account.scopes.map { .string($0) }), "missing_scopes": .array(account.missingScopes.map { .string($0) }),
            "status": .string(account.status.rawValue),
            "expires_at": account.expiresAt.map { .string(Timestamp.format($0)) } ?? .null,
            "refresh_expires_at": account.refreshExpiresAt.map { .string(Timestamp.format($0)) } ?? .null,
            "last_error": account.lastError.map { .string($0) } ?? .null, "created_at": .string(Timestamp.format(account.createdAt)),
            "updated_at": .string(Timestamp.format(account.updatedAt)),
        ]
    }
}
