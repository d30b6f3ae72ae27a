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
        var logger = Logger(label: "tiktok-army") { StandardOutputLogHandler(label: $0) }
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
        return logger
    }

    /// Prints `message` as one line on stderr and exits non-zero.
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        exit(1)
    }

    /// The key that seals account tokens: `TOKEN_ENCRYPTION_KEY`, or with the embedded database
    /// a key generated once into the data dir (`token-key`, mode 0600). An external database
    /// without the setting is refused: a key lost with a container would strand every token.
    static func tokenCipher(_ settings: Settings, _ location: DatabaseLocation) throws -> TokenCipher {
        let previous = settings.providers.tokenEncryptionPreviousKeys
        if let key = settings.providers.tokenEncryptionKey { return try TokenCipher(base64: key, previous: previous) }
        guard location.embedded != nil else {
            throw SettingsError(variable: "TOKEN_ENCRYPTION_KEY", problem: "is required with DATABASE_URL (openssl rand -base64 32)")
        }
        let path = settings.dataDir + "/token-key"
        let retired = ((try? String(contentsOfFile: path + ".previous", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            return try TokenCipher(base64: text, previous: previous + retired)
        }
        let key = TokenCipher.generateKey()
        try writeKey(key + "\n", to: path)
        return try TokenCipher(base64: key, previous: previous + retired)
    }

    /// The embedded default's rotation: a new key in `token-key`, the old one kept in
    /// `token-key.previous` so values sealed under it still open until they are re-sealed.
    static func replaceEmbeddedTokenKey(_ settings: Settings) throws {
        let path = settings.dataDir + "/token-key"
        let old = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let old {
            let retired = ((try? String(contentsOfFile: path + ".previous", encoding: .utf8)) ?? "") + old + "\n"
            try writeKey(retired, to: path + ".previous")
        }
        try writeKey(TokenCipher.generateKey() + "\n", to: path)
    }

    /// Writes a key file only its owner may read; a data dir it cannot be written to stops start-up.
    private static func writeKey(_ text: String, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw SettingsError(variable: "DATA_DIR", problem: "cannot be written (\(path))")
        }
    }

    /// Where the database is and how to reach it as each role.
    struct DatabaseLocation {
        var appURL: String
        var ownerURL: String?
        var embedded: EmbeddedPostgres?
        var cluster: EmbeddedPostgres.Cluster?
    }

    /// The application role's pool at `location`, in the configured statement mode; a fallback
    /// from prepared to unnamed statements is logged once.
    static func pool(_ settings: Settings, _ location: DatabaseLocation, size: Int, logger: Logger) -> Database {
        Database(
            url: location.appURL, poolSize: size, acquireTimeout: .seconds(settings.dbAcquireTimeoutSeconds),
            statements: settings.databaseStatements, readConcurrency: settings.dbReadConcurrency,
            onFallback: { logger.warning("\($0)") })
    }

    static func migrator() throws -> Migrator {
        guard let directory = Migrator.locateDirectory() else {
            throw MigrationError(description: "migrations folder not found (run from the project folder or set MIGRATIONS_DIR)")
        }
        return try Migrator(directory: directory)
    }

    /// `DATABASE_URL` when set; otherwise the embedded cluster, started and migrated. With the
    /// owner role at hand, the configured default spend caps are fixed on the charge function.
    static func database(_ settings: Settings, logger: Logger, migrate: Bool) async throws -> DatabaseLocation {
        let location: DatabaseLocation
        if let appURL = settings.databaseURL {
            let ownerURL = settings.databaseOwnerURL
            if migrate, let ownerURL {
                let migrator = try migrator()
                _ = try await Blocking.run { try migrator.migrate(on: try Connection(url: ownerURL)) }
            }
            location = DatabaseLocation(appURL: appURL, ownerURL: ownerURL)
        } else {
            let embedded = try EmbeddedPostgres(dataDir: settings.dataDir, logger: logger)
            let migrator = migrate ? try migrator() : nil
            let cluster = try await Blocking.run { try embedded.start(migrator: migrator) }
            location = DatabaseLocation(appURL: cluster.appURL, ownerURL: cluster.ownerURL, embedded: embedded, cluster: cluster)
        }
        if migrate, let ownerURL = location.ownerURL {
            let (claude, ads) = (settings.claudeDailyCapUSD, settings.adsDailyCapUSD)
            try await Blocking.run {
                try SpendLedgerRepository.configureDefaultCaps(claudeUsd: claude, adsUsd: ads, on: try Connection(url: ownerURL))
            }
        } else if migrate {
            logger.notice(
                "no owner URL: the default spend caps stay as last set by an owner (first: $25 Claude, $500 ads per day) unless a workspace sets its own"
            )
        }
        return location
    }
}
