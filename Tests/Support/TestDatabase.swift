import Core
import Foundation
import Logging
import Persistence

/// The tests' Postgres: the project's own embedded launcher on a data folder of its own,
/// started once per test process and shared (every test works in workspaces it creates).
public enum TestDatabase {
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    public static let dataDir = ProcessInfo.processInfo.environment["TEST_DATA_DIR"] ?? repositoryRoot + "/.data/test"

    public static let migrator: Migrator = try! Migrator(directory: repositoryRoot + "/migrations")

    public static let launcher: EmbeddedPostgres = try! EmbeddedPostgres(dataDir: dataDir, logger: Logger(label: "test-db"))

    /// The running, migrated cluster. Its commits are not flushed to disk (a test cluster needs
    /// no crash durability), so dozens of suites committing at once on a small machine do not
    /// queue behind the disk.
    public static let cluster: EmbeddedPostgres.Cluster = {
        do {
            let cluster = try launcher.start(migrator: migrator)
            let superuser = try Connection(url: cluster.superuserURL)
            try superuser.execute("ALTER SYSTEM SET fsync = off")
            try superuser.execute("ALTER SYSTEM SET synchronous_commit = off")
            try superuser.execute("SELECT pg_reload_conf()")
            return cluster
        } catch { fatalError("test database: \(error)") }
    }()

    /// How long a test waits for a pooled connection: the product's default, so a test that
    /// holds connections too long fails the way production would.
    public static let acquireTimeout: Duration = .seconds(10)

    /// A pool on the migrated database, as the application role, shared by every suite running
    /// in parallel (sized for them; the acquire timeout stays the product's).
    public static let database = Database(url: cluster.appURL, poolSize: 12, acquireTimeout: acquireTimeout)

    /// A new, empty database of the cluster (for migration tests): returns its owner and app URLs.
    public static func freshDatabase(_ label: String) throws -> (owner: String, app: String) {
        let name = "t_\(label)_\(UUID().uuidString.prefix(8).lowercased())"
        try launcher.createDatabase(name, in: cluster)
        return cluster.urls(database: name)
    }

    /// A fresh, migrated database of its own: for tests that run workflow engines, which claim
    /// ready steps of every workspace and so must not share a database with other suites.
    public static func isolated(_ label: String) -> Store {
        do {
            let urls = try freshDatabase(label)
            try migrator.migrate(on: try Connection(url: urls.owner))
            return Store(database: Database(url: urls.app, poolSize: 8, acquireTimeout: acquireTimeout), appURL: urls.app)
        } catch {
            fatalError("isolated test database: \(error)")
        }
    }

    /// A database and the URL it was opened with.
    public struct Store: Sendable {
        public let database: Database
        public let appURL: String
    }

    /// Creates a workspace with a key and returns both.
    public static func workspace(_ name: String = "test", in database: Database = database) async throws -> (
        id: WorkspaceID, key: IssuedAPIKey
    ) {
        let id = WorkspaceID(UUID())
        let (_, key) = try await database.withWorkspace(id) { try WorkspaceRepository.create(id: id, name: name, on: $0) }
        return (id, key)
    }
}
