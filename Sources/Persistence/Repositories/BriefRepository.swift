import Core
import Foundation

/// Fields of a brief to create.
public struct NewBrief: Sendable, Equatable {
    public var handle: String
    public var targetType: TargetType
    public var notes: String?
    public var brandId: String?
    public var accountId: UUID?
    public var inputs: JSONValue
    public init(
        handle: String, targetType: TargetType = .ownAccount, notes: String? = nil, brandId: String? = nil, accountId: UUID? = nil,
        inputs: JSONValue = [:]
    ) {
        self.handle = handle
        self.targetType = targetType
        self.notes = notes
        self.brandId = brandId
        self.accountId = accountId
        self.inputs = inputs
    }
}

/// A page of results and the cursor for the next one.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// Opaque; pass back to get the following page. `nil` on the last page.
    public var nextCursor: String?
}

/// Keyset cursor over `(created_at, id)`, newest first.
struct Cursor {
    var createdAt: String
    var id: String

    init(createdAt: String, id: String) {
        self.createdAt = createdAt
        self.id = id
    }

    init?(_ text: String) {
        guard let bytes = Crypto.base64URLDecode(text) else { return nil }
        let parts = String(decoding: bytes, as: UTF8.self).split(separator: "|", maxSplits: 1).map(String.init)
        guard parts.count == 2, Timestamp.parse(parts[0]) != nil, UUID(uuidString: parts[1]) != nil else { return nil }
        (createdAt, id) = (parts[0], parts[1])
    }

    var encoded: String { Crypto.base64URLEncode(Array("\(createdAt)|\(id)".utf8)) }
}

/// Briefs of the session's workspace.
public enum BriefRepository {
    static let columns: SQLQuery =
        "id, workspace_id, handle, target_type, notes, brand_id, account_id, inputs, status, created_at, updated_at"

    public static func create(_ brief: NewBrief, workspace: WorkspaceID, on connection: Connection) throws -> Brief {
        let row = try connection.query(
            "INSERT INTO tiktok_briefs (workspace_id, handle, target_type, notes, brand_id, account_id, inputs) VALUES (\(workspace), \(brief.handle), \(brief.targetType), \(brief.notes), \(brief.brandId), \(brief.accountId), \(brief.inputs)) RETURNING \(columns)"
        ).first!
        return try decode(row)
    }

    public static func find(_ id: BriefID, on connection: Connection) throws -> Brief? {
        try connection.query(findQuery(id)).first.map(decode)
    }

    static func findQuery(_ id: BriefID) -> SQLQuery { "SELECT \(columns) FROM tiktok_briefs WHERE id = \(id)" }

    /// Newest first; `cursor` comes from a previous page. Throws `AppError` for a malformed cursor.
    public static func list(limit: Int, cursor: String?, on connection: Connection) throws -> Page<Brief> {
        var query: SQLQuery = "SELECT \(columns) FROM tiktok_briefs"
        if let cursor {
            guard let position = Cursor(cursor) else { throw AppError.invalidInput("cursor is malformed") }
            query.append(" WHERE (created_at, id) < (\(position.createdAt)::timestamptz, \(position.id)::uuid)")
        }
        query.append(" ORDER BY created_at DESC, id DESC LIMIT \(literal: limit + 1)")
        let rows = try connection.query(query).rows
        let items = try rows.prefix(limit).map(decode)
        let next = rows.count > limit ? Cursor(createdAt: rows[limit - 1]["created_at"]!, id: rows[limit - 1]["id"]!).encoded : nil
        return Page(items: items, nextCursor: next)
    }

    /// Replaces the brief's editable fields; nil when there is no such brief.
    public static func replace(_ id: BriefID, with brief: NewBrief, on connection: Connection) throws -> Brief? {
        try connection.query(
            """
            UPDATE tiktok_briefs SET handle = \(brief.handle), target_type = \(brief.targetType), notes = \(brief.notes), brand_id = \(brief.brandId), account_id = \(brief.accountId), inputs = \(brief.inputs), updated_at = now()
            WHERE id = \(id) RETURNING \(columns)
            """
        ).first.map(decode)
    }

    /// Why a brief cannot be deleted.
    public enum Deletion: Sendable, Equatable {
        case deleted
        case notFound
        /// Runs still in progress, or schedules, use it.
        case inUse(activeRuns: Int, schedules: Int)
    }

    /// Deletes the brief unless a run in progress or a schedule uses it (finished runs keep
    /// their copy of the brief and lose only the link).
    public static func delete(_ id: BriefID, on connection: Connection) throws -> Deletion {
        guard try connection.query("SELECT 1 FROM tiktok_briefs WHERE id = \(id) FOR UPDATE").first != nil else { return .notFound }
        let row = try connection.query(
            """
            SELECT (SELECT count(*) FROM tiktok_workflow_runs WHERE brief_id = \(id)
                    AND status NOT IN \(RunStatus.finishedSQL))::int AS runs,
                   (SELECT count(*) FROM tiktok_schedules WHERE brief_id = \(id))::int AS schedules
            """
        ).first!
        let (runs, schedules) = (try row.int("runs"), try row.int("schedules"))
        if runs > 0 || schedules > 0 { return .inUse(activeRuns: runs, schedules: schedules) }
        try connection.query("DELETE FROM tiktok_briefs WHERE id = \(id)")
        return .deleted
    }

    public static func setStatus(_ id: BriefID, _ status: Brief.Status, on connection: Connection) throws {
        try connection.query(setStatusQuery(id, status))
    }

    static func setStatusQuery(_ id: BriefID, _ status: Brief.Status) -> SQLQuery {
        "UPDATE tiktok_briefs SET status = \(status), updated_at = now() WHERE id = \(id)"
    }

    static func decode(_ row: Row) throws -> Brief { try row.decode() }
}
