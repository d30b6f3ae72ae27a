import Core
import Foundation
import Persistence

/// The outside tools the benchmark drives and reads: pgbench, wrk and the kernel's memory figure.
extension Bench {
    static func pgbench(_ cluster: EmbeddedPostgres.Cluster, seconds: Int) async throws -> Double {
        let script = NSTemporaryDirectory() + "bench-insert.sql"
        try "INSERT INTO bench_inserts (payload) VALUES ('{\"x\":1}');\n".write(toFile: script, atomically: true, encoding: .utf8)
        _ = try await Blocking.run {
            try Connection(url: cluster.ownerURL).execute(
                "CREATE TABLE IF NOT EXISTS bench_inserts (id bigserial PRIMARY KEY, payload jsonb)")
        }
        return try await pgbenchTPS(["-c", "8", "-j", "2", "-T", String(seconds), "-f", script, cluster.ownerURL])
    }

    /// The transactions per second `pgbench -n` reports for `arguments`.
    static func pgbenchTPS(_ arguments: [String]) async throws -> Double {
        let outcome = try await Blocking.run { try ChildProcess.run(["pgbench", "-n"] + arguments) }
        guard let line = outcome.output.split(separator: "\n").first(where: { $0.hasPrefix("tps") }),
            let tps = Double(line.split(separator: " ")[2])
        else {
            throw AppError.internal("pgbench: \(outcome.output)")
        }
        return tps
    }

    struct WrkResult {
        var rate: Double
        /// Requests completed in the run.
        var requests: Double
        /// As wrk prints it: `58.12ms`, `850.00us`, `1.02s`.
        var p99: String

        /// `p99` in milliseconds (`nan` when wrk printed none).
        var p99Ms: Double {
            for (unit, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where p99.hasSuffix(unit) {
                return (Double(p99.dropLast(unit.count)) ?? .nan) * scale
            }
            return .nan
        }
    }

    static func wrk(_ url: String, key: String?, body: String?, seconds: Int, connections: Int = 32) async throws -> WrkResult {
        var script = "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
        if let key { script += "wrk.headers[\"Authorization\"] = \"Bearer \(key)\"\n" }
        if let body { script += "wrk.method = \"POST\"\nwrk.body = '\(body)'\n" }
        let path = NSTemporaryDirectory() + "bench-\(Crypto.randomUUID().uuidString).lua"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let arguments = ["wrk", "-t2", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", path, url]
        let outcome = try await Blocking.run { try ChildProcess.run(arguments) }
        let lines = outcome.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let rate = lines.first(where: { $0.hasPrefix("Requests/sec:") }).flatMap({ Double($0.split(separator: " ").last ?? "") })
        else {
            throw AppError.internal("wrk: \(outcome.output)")
        }
        let p99 = lines.first { $0.hasPrefix("99%") }?.split(separator: " ").last.map(String.init) ?? "?"
        if let refused = lines.first(where: { $0.hasPrefix("Non-2xx") }) {
            throw AppError.internal("wrk: \(url) answered \(refused): the figure would not measure the route")
        }
        let requests =
            lines.first { $0.contains(" requests in ") }.flatMap { Double($0.split(separator: " ").first ?? "") } ?? rate * Double(seconds)
        return WrkResult(rate: rate, requests: requests, p99: p99)
    }

    static func rssMB() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
}

/// CPU time spent so far, in seconds: this process's (user and system, every thread) and the
/// cluster's (the postmaster and its live backends, and the backends it has reaped).
struct CPUTime {
    var process: Double
    var postgres: Double

    static func now(clusterRoot: String) -> CPUTime {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let process =
            Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return CPUTime(process: process, postgres: postgresSeconds(clusterRoot: clusterRoot))
    }

    static func - (lhs: CPUTime, rhs: CPUTime) -> CPUTime {
        CPUTime(process: lhs.process - rhs.process, postgres: lhs.postgres - rhs.postgres)
    }

    /// Fields 14-17 of `/proc/<pid>/stat` (utime, stime, cutime, cstime) of the postmaster, and
    /// 14-15 of each process whose parent it is.
    private static func postgresSeconds(clusterRoot: String) -> Double {
        guard let pidFile = try? String(contentsOfFile: clusterRoot + "/cluster/postmaster.pid", encoding: .utf8),
            let postmaster = pidFile.split(separator: "\n").first.flatMap({ Int($0) })
        else { return 0 }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int(entry), let fields = statFields(pid) else { continue }
            if pid == postmaster {
                total += fields[11...14].reduce(0, +)
            } else if fields[1] == Double(postmaster) {
                total += fields[11] + fields[12]
            }
        }
        return total / ticks
    }

    /// The numeric fields of `/proc/<pid>/stat` after the command name, from the state on
    /// (index 1 is the parent's pid, 11 and 12 utime and stime).
    private static func statFields(_ pid: Int) -> [Double]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ").map { Double($0) ?? 0 }
        return fields.count > 15 ? fields : nil
    }
}
