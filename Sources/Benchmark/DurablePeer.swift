import Core
import Foundation
import Persistence

/// A durable-workflow peer on the same cluster: DBOS Transact (the peer's `dbospeer.py`) running a
/// Profile Audit-shaped workflow (five parallel steps, then a synthesis), each step checkpointed
/// in Postgres, at the same concurrencies as the throughput runs.
enum DurablePeer {
    /// Prints and records DBOS's runs/s beside `ours` (runs/s by concurrency).
    static func measure(
        script: String, launcher: EmbeddedPostgres, cluster: EmbeddedPostgres.Cluster, ours: [Int: Double], figures: Summary
    )
        async throws
    {
        let check = try ChildProcess.run(["python3", "-c", "import dbos"])
        guard check.succeeded else { throw AppError.invalidInput("the DBOS peer needs: pip install dbos") }
        // Its own database, owned by the owner role, so DBOS can create its system tables.
        try? launcher.createDatabase("dbos_bench", in: cluster)
        let owner = cluster.urls(database: "dbos_bench").owner
        let url = (owner.split(separator: "?").first.map(String.init) ?? owner).replacing("postgres://", with: "postgresql://")
        say("\n## Durable-workflow peer (DBOS Transact on the same cluster, steps checkpointed, no traces or events)")
        for concurrency in Bench.concurrencies {
            let total = Bench.runCount(concurrency)
            let arguments = ["env", "DBOS_DATABASE_URL=\(url)?sslmode=disable", "python3", script, String(concurrency), String(total)]
            let outcome = try await Blocking.run { try ChildProcess.run(arguments, timeout: .seconds(300)) }
            guard outcome.succeeded,
                let line = outcome.output.split(separator: "\n").last(where: { $0.hasPrefix("DBOS ") }),
                let rate = line.split(separator: " ").firstIndex(of: "runs/s").flatMap({ Double(line.split(separator: " ")[$0 - 1]) })
            else {
                throw AppError.internal("the DBOS peer failed: \(outcome.output.suffix(400))")
            }
            let mine = ours[concurrency] ?? .nan
            say(String(format: "%2d concurrent: DBOS %6.1f runs/s; this engine %6.1f runs/s = %.2fx", concurrency, rate, mine, mine / rate))
            figures.record("dbos_runs_per_s_\(concurrency)", rate)
        }
    }
}
