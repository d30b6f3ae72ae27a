import Core
import Foundation
import HTTPServer
import Logging
import Persistence

/// The composition root: reads settings, picks the database, builds every dependency.
enum Bootstrap {
    /// Settings from the environment with command-line overrides; a bad value ends the process
    /// with one line naming it.
    static func settings(port: Int? = nil, dataDir: String? = nil) -> Settings {
        var environment = ProcessInfo.processInfo.environment
        if let port { environment["PORT"] = String(port) }
        if let dataDir { environment["DATA_DIR"] = dataDir }
        do {
            return try Settings(environment: environment)
        } catch {
            fail(error.description)
        }
    }

    static func logger(_ settings: Settings) -> Logger {
        var logger = Logger(label: "tiktok-army")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
        return logger
    }

    /// Prints `message` as one line on stderr and exits non-zero.
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        exit(1)
    }

    /// Where the database is and how to reach it as each role.
    struct DatabaseLocation {
        var appURL: String
        var ownerURL: String?
        var embedded: EmbeddedPostgres?
        var cluster: EmbeddedPostgres.Cluster?
    }

    static func migrator() throws -> Migrator {
        guard let directory = Migrator.locateDirectory() else {
            throw MigrationError(description: "migrations folder not found (run from the project folder or set MIGRATIONS_DIR)")
        }
        return try Migrator(directory: directory)
    }

    /// `DATABASE_URL` when set; otherwise the embedded cluster, started and migrated.
    static func database(_ settings: Settings, logger: Logger, migrate: Bool) async throws -> DatabaseLocation {
        if let appURL = settings.databaseURL {
            let ownerURL = settings.databaseOwnerURL
            if migrate, let ownerURL {
                let migrator = try migrator()
                try await Blocking.run { try migrator.migrate(on: try Connection(url: ownerURL)) }
            }
            return DatabaseLocation(appURL: appURL, ownerURL: ownerURL)
        }
        let embedded = try EmbeddedPostgres(dataDir: settings.dataDir, logger: logger)
        let migrator = migrate ? try migrator() : nil
        let cluster = try await Blocking.run { try embedded.start(migrator: migrator) }
        return DatabaseLocation(appURL: cluster.appURL, ownerURL: cluster.ownerURL, embedded: embedded, cluster: cluster)
    }
}
