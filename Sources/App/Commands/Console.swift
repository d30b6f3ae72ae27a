import ArgumentParser
import Core
import Foundation
import HTTPServer
import Orchestrator
import Persistence
import Providers

/// Where the console commands act: a running server over HTTP, or the database in-process.
struct ConsoleOptions: ParsableArguments {
    @Option(help: "Base URL of a running server (default: act on the database in-process).")
    var server: String?

    @Option(name: .customLong("api-key"), help: "API key for --server (default: TIKTOK_ARMY_API_KEY or the dev key in the data folder).")
    var apiKey: String?

    @OptionGroup var data: DataOptions
}

/// The operations the console needs, over HTTP or in-process; both speak the API's JSON.
protocol Army: Sendable {
    func post(_ path: String, _ body: JSONValue) async throws -> JSONValue
    func get(_ path: String) async throws -> JSONValue
}

/// Over HTTP to a running server (libcurl).
struct RemoteArmy: Army {
    let base: String
    let key: String
    let transport = CurlTransport()

    func send(_ request: HTTPRequest) async throws -> JSONValue {
        let response = try await transport.send(request)
        let json = response.json ?? .null
        guard (200..<300).contains(response.status) else {
            throw AppError(
                code: json["error"]?["code"]?.stringValue ?? "http_\(response.status)",
                message: json["error"]?["message"]?.stringValue ?? "HTTP \(response.status)", status: response.status)
        }
        return json
    }

    func post(_ path: String, _ body: JSONValue) async throws -> JSONValue {
        try await send(.json("POST", base + path, body, headers: [HTTPHeader("authorization", "Bearer \(key)")]))
    }

    func get(_ path: String) async throws -> JSONValue {
        try await send(HTTPRequest(url: base + path, headers: [HTTPHeader("authorization", "Bearer \(key)")]))
    }
}

/// Prints a run's progress until it completes or waits for approval.
enum Console {
    static func army(_ options: ConsoleOptions) async throws -> (any Army, (@Sendable () async -> Void)) {
        let settings = Bootstrap.settings(dataDir: options.data.dataDir)
        let key =
            options.apiKey ?? ProcessInfo.processInfo.environment["TIKTOK_ARMY_API_KEY"]
            ?? (try? String(contentsOfFile: settings.dataDir + "/dev-api-key", encoding: .utf8))?.trimmingCharacters(
                in: .whitespacesAndNewlines)
        if let server = options.server {
            guard let key else { Bootstrap.fail("--api-key is required with --server (or set TIKTOK_ARMY_API_KEY)") }
            return (RemoteArmy(base: server.hasSuffix("/") ? String(server.dropLast()) : server, key: key), {})
        }
        let logger = Bootstrap.logger(settings)
        let runtime = try await Runtime.make(settings: settings, logger: logger)
        let devKey = try await DevWorkspace.key(database: runtime.database, dataDir: settings.dataDir)
        let dependencies = ServerDependencies(
            settings: settings, database: runtime.database, orchestration: runtime.orchestration, providers: runtime.providers,
            logger: logger)
        // The in-process application runs the orchestrator as one of its services.
        let server = try await InProcessServer.start(dependencies, after: runtime.services())
        return (RemoteArmy(base: server.base, key: options.apiKey ?? devKey), { await server.stop() })
    }

    /// Runs `body` on the army, then stops the in-process server, engine and database before the
    /// command ends, on success and on error alike: an API error becomes one line and exit 1 only
    /// once nothing else is running, since exiting under live threads can crash the process.
    static func session(_ options: ConsoleOptions, _ body: (any Army) async throws -> Void) async throws {
        let (army, close) = try await army(options)
        do {
            try await body(army)
        } catch {
            await close()
            if let error = error as? AppError { Bootstrap.fail(error.message) }
            throw error
        }
        await close()
    }

    static func follow(_ army: any Army, run: String) async throws -> JSONValue {
        var seen: [String: String] = [:]
        while true {
            let detail = try await army.get("/api/dashboard/workflows/runs/\(run)")
            for step in detail["steps"]?.arrayValue ?? [] {
                guard let key = step["step_key"]?.stringValue, let status = step["status"]?.stringValue, seen[key] != status else {
                    continue
                }
                seen[key] = status
                var line = "  \(symbol(status)) \(key.padding(toLength: 24, withPad: " ", startingAt: 0)) \(status)"
                if status == "succeeded" {
                    line += String(format: "  $%.4f  %d ms", step["cost_usd"]?.doubleValue ?? 0, step["latency_ms"]?.intValue ?? 0)
                }
                if let error = step["error"]?.stringValue { line += "  \(error)" }
                print(line)
            }
            let status = detail["status"]?.stringValue ?? ""
            if ["succeeded", "failed", "cancelled", "rejected", "awaiting_approval"].contains(status) { return detail }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    static func symbol(_ status: String) -> String {
        switch status {
        case "succeeded": "✓"
        case "failed", "cancelled": "✗"
        case "running": "…"
        case "awaiting_approval": "?"
        case "skipped": "-"
        default: "·"
        }
    }
}
