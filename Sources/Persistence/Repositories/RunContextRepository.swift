import Core
import Foundation

/// The brand context of a run, as stored.
public struct StoredRunContext: Decodable, Sendable, Equatable {
    public var handle: String
    public var data: JSONValue
    public var text: String
    public var builtAt: Date
    public init(handle: String, data: JSONValue, text: String, builtAt: Date) {
        self.handle = handle
        self.data = data
        self.text = text
        self.builtAt = builtAt
    }
}

/// The brand context each run's agents share (see migration 0008).
public enum RunContextRepository {
    /// The context of `run`, if one was stored.
    public static func find(run: WorkflowRunID, on connection: Connection) throws -> StoredRunContext? {
        try connection.query(findQuery(run)).first.map(decode)
    }

    private static func findQuery(_ run: WorkflowRunID) -> SQLQuery {
        "SELECT handle, data, text, built_at FROM tiktok_run_contexts WHERE workflow_run_id = \(run)"
    }

    /// The newest context of `handle` built after `since`, in any run of the workspace.
    public static func latest(handle: String, since: Date, on connection: Connection) throws -> StoredRunContext? {
        try connection.query(
            """
            SELECT handle, data, text, built_at FROM tiktok_run_contexts
            WHERE handle = \(handle) AND built_at > \(since) ORDER BY built_at DESC LIMIT 1
            """
        ).first.map(decode)
    }

    /// The context of `run` in one round trip (`Database.write(in:)`): the run's own when stored,
    /// else the newest of `handle` built after `since` in the workspace, stored for `run` as it is
    /// read. `nil` when there is neither, or when another process stored the run's context in the
    /// meantime (the first one stored wins: `store` reads it).
    public static func findOrAdopt(run: WorkflowRunID, handle: String, since: Date, workspace: WorkspaceID, in database: Database)
        async throws -> StoredRunContext?
    {
        try await database.write(
            in: workspace,
            """
            WITH own AS (
                SELECT handle, data, text, built_at FROM tiktok_run_contexts WHERE workflow_run_id = \(run)
            ), recent AS (
                SELECT handle, data, text, built_at FROM tiktok_run_contexts
                WHERE handle = \(handle) AND built_at > \(since) AND NOT EXISTS (SELECT 1 FROM own)
                ORDER BY built_at DESC LIMIT 1
            ), adopted AS (
                INSERT INTO tiktok_run_contexts (workflow_run_id, workspace_id, handle, data, text, built_at)
                SELECT \(run), \(workspace), handle, data, text, built_at FROM recent
                ON CONFLICT (workflow_run_id) DO NOTHING
                RETURNING handle, data, text, built_at
            )
            SELECT handle, data, text, built_at FROM own UNION ALL SELECT handle, data, text, built_at FROM adopted
            """
        ).first.map(decode)
    }

    /// Stores `context` for `run` unless the run has one already; returns the one that is stored.
    public static func store(_ context: StoredRunContext, run: WorkflowRunID, workspace: WorkspaceID, on connection: Connection) throws
        -> StoredRunContext
    {
        if let stored = try connection.query(storeQuery(context, run: run, workspace: workspace)).first.map(decode) { return stored }
        return try find(run: run, on: connection) ?? context
    }

    /// `store` as a transaction of its own, in one round trip: the context stored, or the one
    /// another process stored for the run first.
    public static func store(_ context: StoredRunContext, run: WorkflowRunID, workspace: WorkspaceID, in database: Database) async throws
        -> StoredRunContext
    {
        if let stored = try await database.write(in: workspace, storeQuery(context, run: run, workspace: workspace)).first.map(decode) {
            return stored
        }
        return try await database.fetch(in: workspace, findQuery(run)).first.map(decode) ?? context
    }

    /// Inserts `context` for `run` unless the run has one, and returns the run's context: the
    /// inserted one, or the one already there. Nothing when another transaction committed the
    /// run's context after the statement's snapshot was taken; a new statement then sees it.
    private static func storeQuery(_ context: StoredRunContext, run: WorkflowRunID, workspace: WorkspaceID) -> SQLQuery {
        """
        WITH stored AS (
            INSERT INTO tiktok_run_contexts (workflow_run_id, workspace_id, handle, data, text, built_at) VALUES (\(run), \(workspace), \(context.handle), \(context.data), \(context.text), \(context.builtAt))
            ON CONFLICT (workflow_run_id) DO NOTHING
            RETURNING handle, data, text, built_at
        )
        SELECT handle, data, text, built_at FROM stored
        UNION ALL
        SELECT handle, data, text, built_at FROM tiktok_run_contexts WHERE workflow_run_id = \(run) AND NOT EXISTS (SELECT FROM stored)
        """
    }

    static func decode(_ row: Row) throws -> StoredRunContext { try row.decode() }
}
