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

    /// The running, migrated cluster.
    public static let cluster: EmbeddedPostgres.Cluster = {
        do { return try launcher.start(migrator: migrator) } catch { fatalError("test database: \(error)") }
    }()

    /// How long a test waits for a pooled connection: a deadline for a leaked connection, not a
    /// speed check — every suite runs at once, and on a two-core machine a burst of them can
    /// keep the shared pool busy for longer than the product's 10 s.
    public static let acquireTimeout: Duration = .seconds(60)

    /// A pool on the migrated database, as the application role, shared by every suite running
    /// in parallel.
    public static let database = Database(url: cluster.appURL, poolSize: 16, acquireTimeout: acquireTimeout)

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
