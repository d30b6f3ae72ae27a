import Core
import Foundation

/// A numbered SQL file from `migrations/`.
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String
    /// SHA-256 of the file's bytes; an applied file must never change.
    public var checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = Crypto.sha256Hex(sql)
    }
}

/// Why migrating stopped.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Applies migrations in order: one transaction per file, applied versions recorded with their
/// checksums in `tiktok_meta.schema_migrations`, all under an advisory lock so two processes
/// migrating at once apply each file exactly once.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration]) { self.migrations = migrations }

    /// Reads `NNNN_name.sql` files from `directory`, ordered by number.
    public init(directory: String) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.sorted()
        var migrations: [Migration] = []
        for file in files {
            guard let version = Int(file.prefix { $0.isNumber }) else {
                throw MigrationError(description: "migration file \(file) does not start with a number")
            }
            if let clash = migrations.first(where: { $0.version == version }) {
                throw MigrationError(description: "migrations \(clash.name) and \(file) share version \(version)")
            }
            let sql = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            migrations.append(Migration(version: version, name: file, sql: sql))
        }
        self.init(migrations: migrations)
    }

    /// Finds the `migrations/` folder: `MIGRATIONS_DIR`, else `./migrations`, else next to the
    /// executable's build folder.
    public static func locateDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        var candidates: [String] = []
        if let configured = environment["MIGRATIONS_DIR"] { candidates.append(configured) }
        candidates.append(FileManager.default.currentDirectoryPath + "/migrations")
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(folder.appendingPathComponent("migrations").path)
            folder.deleteLastPathComponent()
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/0001_tenancy.sql") }
    }

    /// Applies what is missing over a blocking connection as the owner role; returns the files applied.
    @discardableResult
    public func migrate(on connection: Connection) throws -> [Migration] {
        try connection.execute("SELECT pg_advisory_lock(7263519900)")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(7263519900)") }
        try connection.execute(
            """
            CREATE SCHEMA IF NOT EXISTS tiktok_meta;
            CREATE TABLE IF NOT EXISTS tiktok_meta.schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """)
        var applied: [Int: (name: String, checksum: String)] = [:]
        for row in try connection.query("SELECT version, name, checksum FROM tiktok_meta.schema_migrations").rows {
            applied[try row.int("version")] = (try row.string("name"), try row.string("checksum"))
        }
        for migration in migrations {
            guard let recorded = applied[migration.version] else { continue }
            guard recorded.checksum == migration.checksum else {
                throw MigrationError(
                    description:
                        "migration \(migration.name) changed after it was applied (recorded checksum \(recorded.checksum.prefix(12)), file \(migration.checksum.prefix(12))); add a new migration instead"
                )
            }
        }
        var done: [Migration] = []
        for migration in migrations where applied[migration.version] == nil {
            try connection.execute("BEGIN")
            do {
                try connection.execute(migration.sql)
                try connection.query(
                    "INSERT INTO tiktok_meta.schema_migrations (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))"
                )
                try connection.execute("COMMIT")
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw MigrationError(description: "migration \(migration.name) failed: \(error)")
            }
            done.append(migration)
        }
        return done
    }
}
