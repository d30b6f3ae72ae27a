import ArgumentParser
import Core
import Foundation
import HTTPServer
import Hummingbird
import Persistence

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the HTTP server (embedded Postgres unless DATABASE_URL is set).")

    @Option(help: "Port to listen on (default: PORT or 8080).")
    var port: Int?

    @OptionGroup var data: DataOptions

    func run() async throws {
        let settings = Bootstrap.settings(port: port, dataDir: data.dataDir)
        let logger = Bootstrap.logger(settings)
        let runtime: Runtime
        do { runtime = try await Runtime.make(settings: settings, logger: logger) } catch { Bootstrap.fail("\(error)") }
        let location = runtime.location
        let devKey = location.embedded == nil ? nil : try await DevWorkspace.key(database: runtime.database, dataDir: settings.dataDir)
        let dependencies = ServerDependencies(
            settings: settings, database: runtime.database, orchestration: runtime.orchestration, providers: runtime.providers,
            logger: logger)
        let app = buildApplication(dependencies) { port in
            let host = settings.host == "0.0.0.0" ? "127.0.0.1" : settings.host
            var lines = ["tiktok-army listening on http://\(host):\(port)"]
            lines.append("  dashboard: http://\(host):\(port)/")
            if let devKey { lines.append("  api key:   \(devKey)") }
            if let cluster = location.cluster { lines.append("  database:  embedded (\(cluster.root))") }
            lines.append(
                "  modes:     CLAUDE_MODE=\(settings.claudeMode.rawValue) TIKTOK_PROVIDER_MODE=\(settings.providerMode.rawValue) EXECUTION_MODE=\(settings.executionMode.rawValue)"
            )
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        do {
            try await runtime.run(serving: [app])
        } catch {
            logger.error("server stopped", metadata: ["error": "\(error)"])
        }
    }
}

/// The local development workspace whose key `serve` prints.
enum DevWorkspace {
    /// Reuses the key saved in the data folder while it still resolves; otherwise creates a
    /// workspace named `dev` with a new key and saves it (mode 600).
    static func key(database: Database, dataDir: String) async throws -> String {
        let path = dataDir + "/dev-api-key"
        if let saved = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            try await database.withUnscopedTransaction({ try WorkspaceRepository.principal(forKey: saved, on: $0) }) != nil
        {
            return saved
        }
        let id = WorkspaceID(Crypto.randomUUID())
        let (_, key) = try await database.withWorkspace(id) { try WorkspaceRepository.create(id: id, name: "dev", on: $0) }
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data(key.plaintext.utf8), attributes: [.posixPermissions: 0o600])
        return key.plaintext
    }
}
