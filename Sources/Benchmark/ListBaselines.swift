import Core
import Foundation
import Persistence
import Providers

/// The run list's two baselines: the database running the list's own transaction (pgbench), and
/// the seed's own stack (FastAPI + uvicorn + asyncpg) serving the same route on the same database.
enum ListBaselines {
    /// What pgbench measured of the list's transaction.
    struct DatabaseRate {
        var tps: Double
        /// Per-transaction latency in milliseconds, from pgbench's transaction log.
        var averageMs: Double
        var p99Ms: Double
    }

    /// pgbench (32 clients, prepared) running, as the application role, `BEGIN READ ONLY`, the
    /// workspace setting, the list's statement and `COMMIT`: its rate and the latency of its
    /// transactions (logged, one line each), the floor for the route's own at the same concurrency.
    static func pgbenchTransaction(appURL: String, workspace: WorkspaceID, seconds: Int) async throws -> DatabaseRate {
        let logs = NSTemporaryDirectory() + "bench-list-log-\(Crypto.randomUUID().uuidString)"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: logs) }
        let script = NSTemporaryDirectory() + "bench-list.sql"
        try """
        BEGIN READ ONLY;
        SELECT set_config('app.workspace_id', '\(workspace)', true);
        \(RunRepository.listJSONStatement(limit: 20).sql.split(separator: "\n").joined(separator: " "));
        COMMIT;

        """.write(toFile: script, atomically: true, encoding: .utf8)
        let tps = try await Bench.pgbenchTPS([
            "-M", "prepared", "-c", "32", "-j", "2", "-T", String(seconds), "-l", "--log-prefix", logs + "/list", "-f", script, appURL,
        ])
        // Each log line: client, transaction number, latency in µs, script, epoch seconds, µs.
        var latencies: [Double] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: logs) {
            for line in try String(contentsOfFile: logs + "/" + file, encoding: .utf8).split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count > 2, let micros = Double(fields[2]) { latencies.append(micros / 1000) }
            }
        }
        guard !latencies.isEmpty else { throw AppError.internal("pgbench wrote no transaction log in \(logs)") }
        latencies.sort()
        return DatabaseRate(
            tps: tps, averageMs: latencies.reduce(0, +) / Double(latencies.count),
            p99Ms: latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))])
    }

    /// The seed stack on the run list under the same wrk load, printed beside `ours` (req/s).
    static func measureSeedPeer(script: String, appURL: String, key: String, ours: Double, seconds: Int, figures: Summary) async throws {
        let port = 30_000 + Int(getpid() % 20_000)
        let peer = try startSeedPeer(script: script, appURL: appURL, port: port)
        do {
            try await measure(peer: port, key: key, ours: ours, seconds: seconds, figures: figures)
        } catch {
            _ = try? await Blocking.run { peer.stop() }
            throw error
        }
        // SIGTERM, and SIGKILL should it still run after 5 s.
        _ = try? await Blocking.run { peer.stop() }
    }

    private static func measure(peer port: Int, key: String, ours: Double, seconds: Int, figures: Summary) async throws {
        for _ in 0..<100 {
            if let answer = try? await CurlTransport().send(HTTPRequest(url: "http://127.0.0.1:\(port)/health")), answer.status == 200 {
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        let seed = try await Bench.wrk("http://127.0.0.1:\(port)/api/dashboard/workflows/runs", key: key, body: nil, seconds: seconds)
        say(
            String(
                format: "baseline: the seed stack (FastAPI + uvicorn + asyncpg) on the same route: %.0f req/s, p99 %@; this server %.1fx",
                seed.rate, seed.p99, ours / seed.rate))
        figures.record("seed_list_rps", seed.rate)
    }

    /// The seed stack's server (`script`, the peer's `seedpeer.py`) started on `port` against the
    /// same database, or why it cannot run (its Python modules missing).
    static func startSeedPeer(script: String, appURL: String, port: Int) throws -> ChildProcess.Child {
        let check = try ChildProcess.run(["python3", "-c", "import fastapi, uvicorn, asyncpg, orjson"])
        guard check.succeeded else {
            throw AppError.invalidInput("the seed peer needs: pip install fastapi 'uvicorn[standard]' asyncpg orjson")
        }
        // asyncpg sends unknown URL parameters (connect_timeout, gssencmode) as server settings.
        let url = appURL.split(separator: "?").first.map(String.init) ?? appURL
        return try ChildProcess.start(
            ["python3", script, String(port)],
            environment: ProcessInfo.processInfo.environment.merging(["DATABASE_URL": url + "?sslmode=disable"]) { $1 })
    }
}

/// The figures of one bench run as JSON (`artifacts/bench.json`), so runs can be compared.
final class Summary: @unchecked Sendable {
    private var figures: [String: JSONValue] = [:]
    private let lock = NSLock()

    /// Keeps `value` under `name`; a figure that could not be read (not finite) is left out.
    func record(_ name: String, _ value: Double) {
        guard value.isFinite else { return }
        lock.withLock { figures[name] = .number(JSONNumber(value)) }
    }

    func write(to path: String) throws {
        let body = lock.withLock { JSONValue.object(figures.merging(["recorded_at": .string(Timestamp.format(Date()))]) { $1 }) }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(body.jsonString.utf8).write(to: URL(fileURLWithPath: path))
    }
}
