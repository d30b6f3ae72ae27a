import Core
import Foundation

/// Read-only report links of the session's workspace; a link is opened by its token's hash alone.
public enum ReportShareRepository {
    static let columns: SQLQuery = "id, run_id, created_by, expires_at, revoked_at, created_at"

    /// Stores a link to `run`'s report that lives `days` days; returns it with the token to hand out.
    public static func create(run: WorkflowRunID, days: Int, by: String?, workspace: WorkspaceID, on connection: Connection) throws -> (
        ReportShare, token: String
    ) {
        let token = Crypto.hex(Crypto.randomBytes(32))
        let row = try connection.query(
            """
            INSERT INTO tiktok_report_shares (workspace_id, run_id, token_hash, created_by, expires_at)
            VALUES (\(workspace), \(run), \(Crypto.sha256Hex(token)), \(by), now() + make_interval(days => \(days))) RETURNING \(columns)
            """
        ).first!
        return (try decode(row), token)
    }

    public static func list(run: WorkflowRunID, on connection: Connection) throws -> [ReportShare] {
        try connection.query("SELECT \(columns) FROM tiktok_report_shares WHERE run_id = \(run) ORDER BY created_at DESC").rows.map(decode)
    }

    /// Revokes a link of `run`; false when there is no such live link.
    public static func revoke(_ id: UUID, run: WorkflowRunID, on connection: Connection) throws -> Bool {
        try connection.query(
            "UPDATE tiktok_report_shares SET revoked_at = now() WHERE id = \(id) AND run_id = \(run) AND revoked_at IS NULL"
        ).affectedRows == 1
    }

    /// The workspace of the live link with `token` (no workspace need be scoped).
    public static func workspace(token: String, on connection: Connection) throws -> WorkspaceID? {
        guard token.count == 64, token.allSatisfy(\.isHexDigit) else { return nil }
        return try connection.query("SELECT tiktok_report_share_workspace(\(Crypto.sha256Hex(token))) AS w").first?.optionalID("w")
    }

    /// The run of the live link with `token`, in the scoped workspace.
    public static func run(token: String, on connection: Connection) throws -> WorkflowRunID? {
        try connection.query(
            "SELECT run_id FROM tiktok_report_shares WHERE token_hash = \(Crypto.sha256Hex(token)) AND revoked_at IS NULL AND expires_at > now()"
        ).first.map { try $0.id("run_id") }
    }

    static func decode(_ row: Row) throws -> ReportShare { try row.decode() }
}
