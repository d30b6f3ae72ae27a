import Core
import Foundation

/// A freshly issued API key: the plaintext is only ever shown here.
public struct IssuedAPIKey: Sendable, Equatable {
    public var id: APIKeyID
    public var workspaceId: WorkspaceID
    public var plaintext: String
}

/// Who a request acts for, resolved from its API key or dashboard session.
public struct Principal: Sendable, Equatable {
    public var workspaceId: WorkspaceID
    public var apiKeyId: APIKeyID
    public var role: KeyRole
    /// The key's name, recorded on the decisions it makes.
    public var keyName: String
    /// Set when the request came with a dashboard session rather than the key itself.
    public var sessionId: UUID?
    public init(workspaceId: WorkspaceID, apiKeyId: APIKeyID, role: KeyRole = .admin, keyName: String = "default", sessionId: UUID? = nil) {
        self.workspaceId = workspaceId
        self.apiKeyId = apiKeyId
        self.role = role
        self.keyName = keyName
        self.sessionId = sessionId
    }

    /// Whether the principal may act as `role`.
    public func may(_ role: KeyRole) -> Bool { self.role >= role }

    init(row: Row, session: Bool = false) throws {
        self.init(
            workspaceId: try row.id("workspace_id"), apiKeyId: try row.id("api_key_id"), role: try row.enumeration("role"),
            keyName: try row.string("name"),
            sessionId: session ? try row.uuid("session_id") : nil)
    }
}

/// Workspaces and their API keys.
public enum WorkspaceRepository {
    /// The prefix every key starts with, so a leaked key is recognisable.
    public static let keyPrefix = "tta_"

    /// Creates a workspace with one API key. Run inside `withWorkspace(id)` for the new id.
    public static func create(id: WorkspaceID, name: String, on connection: Connection) throws -> (Workspace, IssuedAPIKey) {
        let row = try connection.query(
            "INSERT INTO tiktok_workspaces (id, name) VALUES (\(id), \(name)) RETURNING id, name, created_at"
        ).first!
        return (try row.decode(Workspace.self), try issueKey(workspace: id, name: "default", role: .admin, on: connection))
    }

    /// Issues a new key; stores only its SHA-256 hash and a short prefix.
    public static func issueKey(workspace: WorkspaceID, name: String, role: KeyRole, on connection: Connection) throws -> IssuedAPIKey {
        let plaintext = keyPrefix + Crypto.base64URLEncode(Crypto.randomBytes(32))
        let row = try connection.query(
            "INSERT INTO tiktok_api_keys (workspace_id, name, role, key_hash, key_prefix) VALUES (\(workspace), \(name), \(role), \(Crypto.sha256Hex(plaintext)), \(String(plaintext.prefix(10)))) RETURNING id"
        ).first!
        return IssuedAPIKey(id: try row.id("id"), workspaceId: workspace, plaintext: plaintext)
    }

    /// The workspace's keys, newest first (revoked ones included).
    public static func keys(on connection: Connection) throws -> [APIKey] {
        try connection.query(
            "SELECT id, workspace_id, name, role, key_prefix, created_at, last_used_at, revoked_at FROM tiktok_api_keys ORDER BY created_at DESC, id"
        ).rows.map { try $0.decode(APIKey.self) }
    }

    /// Revokes a key (and with it every session made from it); `false` when there is no such live key.
    public static func revokeKey(_ id: APIKeyID, on connection: Connection) throws -> Bool {
        try connection.query("UPDATE tiktok_api_keys SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL").affectedRows == 1
    }

    /// Resolves a plaintext key through the `SECURITY DEFINER` lookup; `nil` when unknown or revoked.
    public static func principal(forKey plaintext: String, on connection: Connection) throws -> Principal? {
        guard plaintext.hasPrefix(keyPrefix), plaintext.count < 200 else { return nil }
        guard
            let row = try connection.query(
                "SELECT api_key_id, workspace_id, role, name FROM tiktok_lookup_api_key(\(Crypto.sha256Hex(plaintext)))"
            ).first
        else {
            return nil
        }
        return try Principal(row: row)
    }

    /// The prefix of every session token.
    public static let sessionPrefix = "tts_"

    /// Starts a dashboard session for `principal` (run inside its workspace's scope); returns the
    /// token, which is stored only hashed.
    public static func startSession(for principal: Principal, lifetime: TimeInterval, on connection: Connection) throws -> String {
        let token = sessionPrefix + Crypto.base64URLEncode(Crypto.randomBytes(32))
        try connection.query(
            "INSERT INTO tiktok_sessions (workspace_id, api_key_id, token_hash, expires_at) VALUES (\(principal.workspaceId), \(principal.apiKeyId), \(Crypto.sha256Hex(token)), now() + make_interval(secs => \(lifetime)))"
        )
        return token
    }

    /// The principal of a live session token, through the `SECURITY DEFINER` lookup.
    public static func principal(forSession token: String, on connection: Connection) throws -> Principal? {
        guard token.hasPrefix(sessionPrefix), token.count < 200 else { return nil }
        guard
            let row = try connection.query(
                "SELECT session_id, api_key_id, workspace_id, role, name FROM tiktok_lookup_session(\(Crypto.sha256Hex(token)))"
            ).first
        else { return nil }
        return try Principal(row: row, session: true)
    }

    /// Ends a session (logout), inside its workspace's scope.
    public static func endSession(_ id: UUID, on connection: Connection) throws {
        try connection.query("UPDATE tiktok_sessions SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL")
    }

    /// Delivers Pub/Sub pushes of `subscription` to this workspace (run in its scope).
    public static func mapSubscription(_ subscription: String, workspace: WorkspaceID, on connection: Connection) throws {
        try connection.query(
            "INSERT INTO tiktok_pubsub_subscriptions (subscription, workspace_id) VALUES (\(subscription), \(workspace)) ON CONFLICT (subscription) DO NOTHING"
        )
    }

    /// The workspace a push subscription delivers for, through the `SECURITY DEFINER` lookup.
    public static func workspace(forSubscription subscription: String, on connection: Connection) throws -> WorkspaceID? {
        try connection.query("SELECT tiktok_lookup_subscription(\(subscription)) AS workspace_id").first?.optionalID("workspace_id")
    }

    /// The workspace visible to the current session.
    public static func current(on connection: Connection) throws -> Workspace? {
        try connection.query("SELECT id, name, created_at FROM tiktok_workspaces").first?.decode(Workspace.self)
    }
}
