import Core
import Foundation

extension Brief.Status: SQLEncodable {}
extension TargetType: SQLEncodable {}
extension RunStatus: SQLEncodable {}
extension StepStatus: SQLEncodable {}
extension StepKind: SQLEncodable {}
extension Approval.Status: SQLEncodable {}
extension AgentRun.Status: SQLEncodable {}
extension AgentStep.Kind: SQLEncodable {}

/// A freshly issued API key: the plaintext is only ever shown here.
public struct IssuedAPIKey: Sendable, Equatable {
    public var id: APIKeyID
    public var workspaceId: WorkspaceID
    public var plaintext: String
}

/// Who a request acts for, resolved from its API key.
public struct Principal: Sendable, Equatable {
    public var workspaceId: WorkspaceID
    public var apiKeyId: APIKeyID
    public init(workspaceId: WorkspaceID, apiKeyId: APIKeyID) {
        self.workspaceId = workspaceId
        self.apiKeyId = apiKeyId
    }
}

/// Workspaces and their API keys.
public enum WorkspaceRepository {
    /// The prefix every key starts with, so a leaked key is recognisable.
    public static let keyPrefix = "tta_"

    /// Creates a workspace with one API key. Run inside `withWorkspace(id)` for the new id.
    public static func create(id: WorkspaceID, name: String, on connection: Connection) throws -> (Workspace, IssuedAPIKey) {
        let row = try connection.query(
            "INSERT INTO tiktok_workspaces (id, name) VALUES ($1, $2) RETURNING id, name, created_at", id, name
        ).first!
        let workspace = Workspace(id: try row.id("id"), name: try row.string("name"), createdAt: try row.date("created_at"))
        return (workspace, try issueKey(workspace: id, name: "default", on: connection))
    }

    /// Issues a new key; stores only its SHA-256 hash and a short prefix.
    public static func issueKey(workspace: WorkspaceID, name: String, on connection: Connection) throws -> IssuedAPIKey {
        let plaintext = keyPrefix + Crypto.base64URLEncode(Crypto.randomBytes(32))
        let row = try connection.query(
            "INSERT INTO tiktok_api_keys (workspace_id, name, key_hash, key_prefix) VALUES ($1, $2, $3, $4) RETURNING id",
            workspace, name, Crypto.sha256Hex(plaintext), String(plaintext.prefix(10))
        ).first!
        return IssuedAPIKey(id: try row.id("id"), workspaceId: workspace, plaintext: plaintext)
    }

    /// Resolves a plaintext key through the `SECURITY DEFINER` lookup; `nil` when unknown or revoked.
    public static func principal(forKey plaintext: String, on connection: Connection) throws -> Principal? {
        guard plaintext.hasPrefix(keyPrefix), plaintext.count < 200 else { return nil }
        guard let row = try connection.query("SELECT api_key_id, workspace_id FROM tiktok_lookup_api_key($1)", Crypto.sha256Hex(plaintext)).first else {
            return nil
        }
        return Principal(workspaceId: try row.id("workspace_id"), apiKeyId: try row.id("api_key_id"))
    }

    /// The workspace visible to the current session.
    public static func current(on connection: Connection) throws -> Workspace? {
        guard let row = try connection.query("SELECT id, name, created_at FROM tiktok_workspaces").first else { return nil }
        return Workspace(id: try row.id("id"), name: try row.string("name"), createdAt: try row.date("created_at"))
    }
}
