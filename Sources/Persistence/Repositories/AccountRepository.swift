import Core
import Foundation

/// Connected accounts and their sealed tokens. Tokens go in and out sealed (`SealedTokens`):
/// this repository never sees them in the clear.
public enum AccountRepository {
    /// A sealed access and refresh token pair, with the id of the key that sealed them.
    public struct SealedTokens: Sendable, Equatable {
        public var access: [UInt8]
        public var refresh: [UInt8]?
        public var keyId: String
        public init(access: [UInt8], refresh: [UInt8]?, keyId: String) {
            self.access = access
            self.refresh = refresh
            self.keyId = keyId
        }
    }

    /// An account's row with its sealed tokens, for the code that opens them.
    public struct Stored: Sendable {
        public var account: ConnectedAccount
        public var tokens: SealedTokens?
        public var refreshOwner: String?
        public var refreshUntil: Date?
    }

    /// What a connect stores besides the tokens.
    public struct Connect: Sendable {
        public var kind: AccountKind
        public var externalId: String
        public var handle: String
        public var displayName: String?
        public var scopes: [String]
        public var expiresAt: Date?
        public var refreshExpiresAt: Date?
        public init(
            kind: AccountKind, externalId: String, handle: String, displayName: String?, scopes: [String], expiresAt: Date?,
            refreshExpiresAt: Date?
        ) {
            self.kind = kind
            self.externalId = externalId
            self.handle = handle
            self.displayName = displayName
            self.scopes = scopes
            self.expiresAt = expiresAt
            self.refreshExpiresAt = refreshExpiresAt
        }
    }

    /// Why a connect was refused.
    public enum ConnectError: Error, Sendable, Equatable {
        /// The account is connected in another workspace.
        case connectedElsewhere
    }

    static let columns: SQLQuery = """
        id, workspace_id, kind, COALESCE(external_id, '') AS external_id, handle, display_name, scopes, status, expires_at, refresh_expires_at, last_error,
        created_at, updated_at, encode(access_token, 'base64') AS access_token, encode(refresh_token, 'base64') AS refresh_token,
        key_id, refresh_owner, refresh_until
        """

    /// The id the account will have (or has) in this workspace, so tokens can be sealed for it
    /// before the row is written.
    public static func id(kind: AccountKind, externalId: String, on connection: Connection) throws -> UUID? {
        try connection.query(
            "SELECT id FROM tiktok_accounts WHERE kind = \(kind) AND external_id = \(externalId) AND status <> 'disconnected'"
        ).first.map { try $0.uuid("id") }
    }

    /// Stores a connected account with its sealed tokens under `id`, or replaces the tokens of
    /// the same account connected again. Refused when another workspace holds it.
    public static func connect(
        id: UUID, _ details: Connect, tokens: SealedTokens, workspace: WorkspaceID, on connection: Connection
    ) throws -> ConnectedAccount {
        do {
            let row = try connection.query(
                """
                INSERT INTO tiktok_accounts (id, workspace_id, kind, external_id, handle, display_name, scopes, access_token, refresh_token,
                    key_id, expires_at, refresh_expires_at, status, last_error, updated_at)
                VALUES (\(id), \(workspace), \(details.kind), \(details.externalId), \(details.handle), \(details.displayName), \(details.scopes), decode(\(Data(tokens.access).base64EncodedString()), 'base64'), decode(\(tokens.refresh.map { Data($0).base64EncodedString() }), 'base64'), \(tokens.keyId), \(details.expiresAt), \(details.refreshExpiresAt), 'active', NULL, now())
                ON CONFLICT (kind, external_id) WHERE status <> 'disconnected' DO UPDATE SET
                    handle = EXCLUDED.handle, display_name = EXCLUDED.display_name, scopes = EXCLUDED.scopes,
                    access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token, key_id = EXCLUDED.key_id,
                    expires_at = EXCLUDED.expires_at, refresh_expires_at = EXCLUDED.refresh_expires_at, status = 'active',
                    last_error = NULL, refresh_owner = NULL, refresh_until = NULL, updated_at = now()
                RETURNING \(columns)
                """
            ).first
            guard let row else { throw ConnectError.connectedElsewhere }
            return try decode(row).account
        } catch let error as DatabaseError where error.sqlState == "23505" || error.sqlState == "42501" {
            // The unique index spans workspaces; the conflicting row is invisible here, so the
            // upsert cannot update it and RLS refuses the write.
            throw ConnectError.connectedElsewhere
        }
    }

    /// The workspace's accounts (disconnected ones last).
    public static func list(on connection: Connection) throws -> [ConnectedAccount] {
        try connection.query(listQuery).rows.map { try decode($0).account }
    }

    /// `list(on:)` as a transaction of its own, in one round trip.
    public static func list(workspace: WorkspaceID, in database: Database) async throws -> [ConnectedAccount] {
        try await database.fetch(in: workspace, listQuery).rows.map { try decode($0).account }
    }

    private static let listQuery: SQLQuery = "SELECT \(columns) FROM tiktok_accounts ORDER BY status = 'disconnected', kind, handle"

    /// One account with its sealed tokens.
    public static func find(_ id: UUID, on connection: Connection) throws -> Stored? {
        try connection.query("SELECT \(columns) FROM tiktok_accounts WHERE id = \(id)").first.map(decode)
    }

    /// The connected account of `kind` named `handle`, or the workspace's only one of that kind
    /// when `handle` is nil.
    public static func find(kind: AccountKind, handle: String?, on connection: Connection) throws -> Stored? {
        try connection.query(findQuery(kind: kind, handle: handle)).first.map(decode)
    }

    /// `find(kind:handle:on:)` as a transaction of its own, in one round trip.
    public static func find(kind: AccountKind, handle: String?, workspace: WorkspaceID, in database: Database) async throws -> Stored? {
        try await database.fetch(in: workspace, findQuery(kind: kind, handle: handle)).first.map(decode)
    }

    private static func findQuery(kind: AccountKind, handle: String?) -> SQLQuery {
        "SELECT \(columns) FROM tiktok_accounts WHERE kind = \(kind) AND status <> 'disconnected' AND (\(handle)::text IS NULL OR lower(handle) = lower(\(handle))) ORDER BY created_at LIMIT 1"
    }

    /// Takes the account's refresh lease for `seconds` when nobody holds it; false when another
    /// process is refreshing it. The lease, not a held row lock, keeps one refresher at a time
    /// across the provider call.
    public static func claimRefresh(_ id: UUID, owner: String, seconds: Int, on connection: Connection) throws -> Bool {
        try connection.query(
            """
            UPDATE tiktok_accounts SET refresh_owner = \(owner), refresh_until = now() + make_interval(secs => \(seconds))
            WHERE id = \(id) AND status <> 'disconnected' AND (refresh_until IS NULL OR refresh_until < now() OR refresh_owner = \(owner))
            """
        ).affectedRows == 1
    }

    /// Stores a refreshed pair atomically, only while `owner` still holds the lease.
    public static func storeRefreshed(
        _ id: UUID, owner: String, tokens: SealedTokens, expiresAt: Date?, refreshExpiresAt: Date?, scopes: [String]?,
        on connection: Connection
    ) throws -> Bool {
        try connection.query(
            """
            UPDATE tiktok_accounts SET access_token = decode(\(Data(tokens.access).base64EncodedString()), 'base64'), refresh_token = COALESCE(decode(\(tokens.refresh.map { Data($0).base64EncodedString() }), 'base64'), refresh_token),
                key_id = \(tokens.keyId), expires_at = \(expiresAt), refresh_expires_at = COALESCE(\(refreshExpiresAt), refresh_expires_at), scopes = COALESCE(\(scopes), scopes),
                status = CASE WHEN COALESCE(\(refreshExpiresAt), refresh_expires_at) < now() + interval '7 days' THEN 'expiring' ELSE 'active' END,
                last_error = NULL, refresh_owner = NULL, refresh_until = NULL, updated_at = now()
            WHERE id = \(id) AND refresh_owner = \(owner)
            """
        ).affectedRows == 1
    }

    /// Gives the refresh lease back without a new pair.
    public static func releaseRefresh(_ id: UUID, owner: String, on connection: Connection) throws {
        try connection.query(
            "UPDATE tiktok_accounts SET refresh_owner = NULL, refresh_until = NULL WHERE id = \(id) AND refresh_owner = \(owner)")
    }

    /// Re-seals one account's tokens under another key (rotation), if they are still `previous`.
    public static func reseal(_ id: UUID, previous: SealedTokens, with tokens: SealedTokens, on connection: Connection) throws -> Bool {
        try connection.query(
            "UPDATE tiktok_accounts SET access_token = decode(\(Data(tokens.access).base64EncodedString()), 'base64'), refresh_token = decode(\(tokens.refresh.map { Data($0).base64EncodedString() }), 'base64'), key_id = \(tokens.keyId) WHERE id = \(id) AND key_id = \(previous.keyId)"
        ).affectedRows == 1
    }

    /// Marks the account as needing a new authorization (revoked, refresh refused).
    public static func markNeedsReauth(_ id: UUID, error: String, on connection: Connection) throws {
        try connection.query(
            "UPDATE tiktok_accounts SET status = 'needs_reauth', last_error = \(error), refresh_owner = NULL, refresh_until = NULL, updated_at = now() WHERE id = \(id) AND status <> 'disconnected'"
        )
    }

    /// Marks the account disconnected and forgets its tokens.
    public static func disconnect(_ id: UUID, on connection: Connection) throws -> Bool {
        try connection.query(
            "UPDATE tiktok_accounts SET status = 'disconnected', access_token = NULL, refresh_token = NULL, key_id = NULL, updated_at = now() WHERE id = \(id) AND status <> 'disconnected'"
        ).affectedRows == 1
    }

    /// Accounts of every workspace whose access token expires before `before` (ids only).
    public static func dueForRefresh(before: Date, limit: Int, on connection: Connection) throws -> [(workspace: WorkspaceID, id: UUID)] {
        try connection.query("SELECT workspace_id, account_id FROM tiktok_accounts_due_for_refresh(\(before), \(limit))").rows.map {
            (workspace: try $0.id("workspace_id", as: Workspace.self), id: try $0.uuid("account_id"))
        }
    }

    /// Workspaces holding tokens sealed under a key other than `keyId` (across workspaces).
    public static func workspacesWithStaleTokens(keyId: String, on connection: Connection) throws -> [WorkspaceID] {
        try connection.query("SELECT workspace_id FROM tiktok_workspaces_with_stale_tokens(\(keyId))").rows.map {
            try $0.id("workspace_id")
        }
    }

    /// The sealed rows of the workspace, for key rotation.
    public static func sealed(on connection: Connection) throws -> [Stored] {
        try connection.query("SELECT \(columns) FROM tiktok_accounts WHERE access_token IS NOT NULL").rows.map(decode)
    }

    static func decode(_ row: Row) throws -> Stored {
        let account: ConnectedAccount = try row.decode()
        var tokens: SealedTokens?
        if let access = row.optionalString("access_token").flatMap({ Data(base64Encoded: $0.replacingOccurrences(of: "\n", with: "")) }),
            let keyId = row.optionalString("key_id")
        {
            let refresh = row.optionalString("refresh_token").flatMap { Data(base64Encoded: $0.replacingOccurrences(of: "\n", with: "")) }
            tokens = SealedTokens(access: Array(access), refresh: refresh.map(Array.init), keyId: keyId)
        }
        return Stored(
            account: account, tokens: tokens, refreshOwner: row.optionalString("refresh_owner"),
            refreshUntil: try row.optionalDate("refresh_until"))
    }
}

/// OAuth `state` values: stored hashed, single use, bound to the session that started the flow.
public enum OAuthStateRepository {
    /// Why a callback's state was refused.
    public enum Refusal: String, Error, Sendable {
        case unknown = "this sign-in link is not one we issued"
        case used = "this sign-in link was already used"
        case expired = "this sign-in link expired (they last 10 minutes)"
        case otherSession = "this sign-in link was started in another browser session"
    }

    public static func create(
        stateHash: String, sessionHash: String, kind: AccountKind, expiresAt: Date, workspace: WorkspaceID, on connection: Connection
    ) throws {
        try connection.query(
            "INSERT INTO tiktok_oauth_states (workspace_id, state_hash, session_hash, kind, expires_at) VALUES (\(workspace), \(stateHash), \(sessionHash), \(kind), \(expiresAt))"
        )
    }

    /// The workspace a state belongs to (a callback names none).
    public static func workspace(stateHash: String, on connection: Connection) throws -> WorkspaceID? {
        try connection.query("SELECT tiktok_oauth_state_workspace(\(stateHash)) AS w").first?.optionalID("w")
    }

    /// Uses the state once: its kind when it is unused, unexpired and bound to `sessionHash`.
    public static func consume(stateHash: String, sessionHash: String, on connection: Connection) throws -> Result<AccountKind, Refusal> {
        guard
            let row = try connection.query(
                "SELECT session_hash, kind, expires_at < now() AS expired, used_at IS NOT NULL AS used FROM tiktok_oauth_states WHERE state_hash = \(stateHash) FOR UPDATE"
            ).first
        else { return .failure(.unknown) }
        if try row.bool("used") { return .failure(.used) }
        try connection.query("UPDATE tiktok_oauth_states SET used_at = now() WHERE state_hash = \(stateHash)")
        if try row.bool("expired") { return .failure(.expired) }
        guard Crypto.constantTimeEqual(Array(try row.string("session_hash").utf8), Array(sessionHash.utf8)) else {
            return .failure(.otherSession)
        }
        return .success(try row.enumeration("kind"))
    }
}
