import Core
import Foundation

/// Workflow definitions stored per workspace (they override the seeded ones of the same slug).
public enum WorkflowRepository {
    static let columns: SQLQuery = "id, workspace_id, slug, name, description, definition, version, created_at, updated_at"

    /// Inserts or replaces the definition for `slug`, bumping its version when it changes.
    public static func upsert(
        slug: String, name: String, description: String, definition: JSONValue, workspace: WorkspaceID, on connection: Connection
    ) throws -> Workflow {
        let row = try connection.query(
            """
            INSERT INTO tiktok_workflows (workspace_id, slug, name, description, definition) VALUES (\(workspace), \(slug), \(name), \(description), \(definition))
            ON CONFLICT (workspace_id, slug) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
                definition = EXCLUDED.definition, updated_at = now(),
                version = tiktok_workflows.version + (tiktok_workflows.definition IS DISTINCT FROM EXCLUDED.definition)::int
            RETURNING \(columns)
            """
        ).first!
        return try decode(row)
    }

    public static func find(slug: String, on connection: Connection) throws -> Workflow? {
        try connection.query(findQuery(slug: slug)).first.map(decode)
    }

    static func findQuery(slug: String) -> SQLQuery { "SELECT \(columns) FROM tiktok_workflows WHERE slug = \(slug)" }

    public static func list(on connection: Connection) throws -> [Workflow] {
        try connection.query("SELECT \(columns) FROM tiktok_workflows ORDER BY slug").rows.map(decode)
    }

    /// Deletes the stored definition of `slug`; false when there was none.
    public static func delete(slug: String, on connection: Connection) throws -> Bool {
        try connection.query("DELETE FROM tiktok_workflows WHERE slug = \(slug)").affectedRows == 1
    }

    static func decode(_ row: Row) throws -> Workflow { try row.decode() }
}
