import Agents
import ArgumentParser
import Core
import Foundation
import HTTPServer
import Logging
import Orchestrator
import Persistence
import Providers

/// Benchmarks, each printed next to a baseline measured in the same run on the same database.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiktok-army-bench",
        abstract: "Measure orchestration overhead, throughput, HTTP and SSE fan-out against same-run baselines (build with -c release).")

    @Option(name: .customLong("data-dir"), help: "Data folder of the benchmark's own embedded cluster.")
    var dataDir = ".data/bench"

    @Option(help: "Seconds per wrk measurement.")
    var seconds = 5

    @Flag(help: "Skip the HTTP measurements (they need wrk).")
    var noHTTP = false

    @Flag(help: "Skip the measurements through PgBouncer (they need pgbouncer).")
    var noPooler = false

    @Option(name: .customLong("seed-peer"), help: "The seed stack's server script (seedpeer.py): its list route is measured too.")
    var seedPeer: String?

    @Option(name: .customLong("dbos-peer"), help: "The durable-workflow peer's script (dbospeer.py): its runs/s are measured too.")
    var dbosPeer: String?

    @Option(help: "Run only the soak: this many seconds of mixed load with memory sampled (600 for the ten-minute soak).")
    var soak: Int?

    @Option(help: "Connections in the pool of the engine and the HTTP server (the server's default unless given).")
    var poolSize = Settings.defaultPoolSize

    @Option(help: "Single-statement reads using the pool at once (the server's default unless given).")
    var readConcurrency = Settings.defaultReadConcurrency

    @Option(help: "Where the figures are written as JSON.")
    var summary = "artifacts/bench.json"

    func run() async throws {
        var logger = Logger(label: "bench") { StandardOutputLogHandler(label: $0) }
        logger.logLevel = .warning
        let launcher = try EmbeddedPostgres(dataDir: dataDir, logger: logger)
        guard let migrations = Migrator.locateDirectory() else {
            throw ValidationError("migrations folder not found (run from the project folder or set MIGRATIONS_DIR)")
        }
        let cluster = try await Blocking.run { try launcher.start(migrator: try Migrator(directory: migrations)) }
        let database = Database(url: cluster.appURL, poolSize: poolSize, readConcurrency: readConcurrency)
        let providers = ProviderSuite.mock(transport: CurlTransport())
        let orchestration = Self.orchestration(database, providers, logger, listenURL: cluster.appURL)
        let engine = Task { await orchestration.run() }
        let workspace = WorkspaceID(Crypto.randomUUID())
        let (_, key) = try await database.withWorkspace(workspace) { c in
            let created = try WorkspaceRepository.create(id: workspace, name: "bench", on: c)
            try SpendLedgerRepository.setCaps(workspace: workspace, claudeDailyUsd: 1_000_000, adsDailyUsd: nil, on: c)
            return created
        }
        let figures = Summary()
        say(
            "tiktok-army bench — \(ProcessInfo.processInfo.activeProcessorCount) cores, embedded Postgres at \(cluster.root), a pool of \(poolSize) connections, \(database.readConcurrency) reads at once"
        )
        figures.record("pool_size", Double(poolSize))
        figures.record("read_concurrency", Double(database.readConcurrency))
        say(String(format: "memory: %.1f MB resident at start", Self.rssMB()))
        if let soak {
            try await self.soak(
                duration: soak, orchestration, database, workspace, key: key.plaintext, providers: providers, figures: figures)
            engine.cancel()
            await engine.value
            await database.shutdown()
            try figures.write(to: summary)
            say("figures written to \(summary)")
            return
        }

        // Orchestration overhead: sequential runs, time per step vs the same number of bare commits.
        // The warm-up runs concurrently, so every pooled connection has prepared the engine's
        // statements (one round trip each, once per connection) before anything is counted.
        _ = try await runs(20, concurrency: poolSize, orchestration, database, workspace)
        let commitsBefore = database.completedUnits.current
        let writesBefore = try await database.nextTransactionID()
        let statementsBefore = database.roundTrips.current - database.preparations.current
        let sequential = try await runs(20, concurrency: 1, orchestration, database, workspace)
        let commitsPerRun = Double(database.completedUnits.current - commitsBefore) / 20
        // Not counting statements prepared on a connection for the first time.
        let statementsPerRun = Double(database.roundTrips.current - database.preparations.current - statementsBefore) / 20
        // Reading the next id writes nothing; the briefs `runs` inserts first are one writing transaction.
        let writesPerRun = Double(try await database.nextTransactionID() - writesBefore - 1) / 20
        let bare = try await Self.bareWrites(database, workspace, count: Int(commitsPerRun * 20))
        say("\n## Orchestration overhead (Profile Audit, 6 steps, mock Claude and providers at zero latency)")
        say(
            String(
                format: "per run  %8.0f µs   (%.0f database units per run, of which %.1f writing commits: %.2f per step)",
                sequential.perRun * 1e6, commitsPerRun, writesPerRun, writesPerRun / 6))
        say(
            String(
                format: "         %.0f round trips to Postgres per run (%.1f per step)", statementsPerRun,
                statementsPerRun / 6))
        say(
            String(
                format:
                    "per step %8.0f µs   baseline: %.0f bare single-row commits on the same pool take %.0f µs per step's share (%.0f µs each)",
                sequential.perRun * 1e6 / 6, commitsPerRun, bare * commitsPerRun * 1e6 / 6, bare * 1e6))
        say(String(format: "overhead beyond the bare commits: %.0f µs per step", (sequential.perRun - bare * commitsPerRun) * 1e6 / 6))
        figures.record("per_step_us", sequential.perRun * 1e6 / 6)
        figures.record("commits_per_run", commitsPerRun)
        figures.record("writing_commits_per_step", writesPerRun / 6)
        figures.record("round_trips_per_step", statementsPerRun / 6)
        figures.record("bare_commit_us", bare * 1e6)

        // Throughput at 1, 8, 64 concurrent runs vs pgbench's insert rate on the same database.
        say("\n## Throughput")
        let pgbench = try await Self.pgbench(cluster, seconds: max(seconds, 3))
        say(String(format: "baseline: pgbench single-row inserts, 8 clients: %.0f tps", pgbench))
        figures.record("pgbench_insert_tps", pgbench)
        var direct: [Int: Double] = [:]
        let tableReadsBefore = await orchestration.bus.tableReads
        var followed = 0
        for concurrency in Self.concurrencies {
            let before = database.completedUnits.current
            let cpuBefore = CPUTime.now(clusterRoot: cluster.root)
            let result = try await runs(Self.runCount(concurrency), concurrency: concurrency, orchestration, database, workspace)
            let cpu = CPUTime.now(clusterRoot: cluster.root) - cpuBefore
            let writes = Double(database.completedUnits.current - before) / result.elapsed
            let steps = Double(result.count * 6)
            direct[concurrency] = result.runsPerSecond
            followed += result.count
            figures.record("runs_per_s_\(concurrency)", result.runsPerSecond)
            figures.record("cpu_us_per_step_\(concurrency)", cpu.process / steps * 1e6)
            figures.record("postgres_cpu_us_per_step_\(concurrency)", cpu.postgres / steps * 1e6)
            say(
                String(
                    format:
                        "%2d concurrent: %6.1f runs/s  %6.0f commits/s = %3.0f%% of pgbench;  CPU per step: %5.0f µs here, %5.0f µs Postgres",
                    concurrency, result.runsPerSecond, writes, writes / pgbench * 100, cpu.process / steps * 1e6,
                    cpu.postgres / steps * 1e6))
        }
        let tableReads = Double(await orchestration.bus.tableReads - tableReadsBefore) / Double(followed)
        say(String(format: "event bus: %.2f reads of the events table per run followed to its end", tableReads))
        figures.record("event_table_reads_per_run", tableReads)
        say(String(format: "memory: %.1f MB resident after the runs", Self.rssMB()))
        if let dbosPeer {
            try await DurablePeer.measure(script: dbosPeer, launcher: launcher, cluster: cluster, ours: direct, figures: figures)
        }

        // A run start's conversion of its definition to `JSONValue`, against the text round trip.
        say("\n## Encodable to JSONValue (the Profile Audit definition, as every run start converts it)")
        let conversion = try Self.conversion(SeededWorkflows.profileAudit, times: 2000)
        say(
            String(
                format: "%.1f µs per value built directly; baseline: %.1f µs through JSONEncoder and the parser (%.1fx)",
                conversion.direct, conversion.viaText, conversion.viaText / conversion.direct))
        figures.record("jsonvalue_from_us", conversion.direct)
        figures.record("jsonvalue_via_text_us", conversion.viaText)

        // SSE fan-out: 1,000 subscribers to one run through the event bus.
        say("\n## SSE fan-out (1,000 subscribers of one run's event stream)")
        let fanout = try await Self.fanout(orchestration, database, workspace, subscribers: 1000, events: 20)
        say(
            String(
                format: "delivery latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; every subscriber got all %d events in order: %@",
                fanout.p50, fanout.p99, fanout.max, 21, fanout.complete ? "yes" : "NO"))
        figures.record("sse_p99_ms", fanout.p99)
        say(String(format: "memory: %.1f MB resident with 1,000 subscribers", Self.rssMB()))

        var directList: Double?
        if !noHTTP {
            say("\n## HTTP (wrk, 2 threads, 32 connections, \(seconds) s each)")
            let settings = try Self.serverSettings()
            let dependencies = ServerDependencies(
                settings: settings, database: database, orchestration: orchestration, providers: providers, logger: Self.serverLogger)
            let server = try await InProcessServer.start(dependencies)
            let health = try await Self.wrk(server.base + "/health", key: nil, body: nil, seconds: seconds)
            let cpuBefore = CPUTime.now(clusterRoot: cluster.root)
            let list = try await Self.wrk(
                server.base + "/api/dashboard/workflows/runs?limit=20", key: key.plaintext, body: nil, seconds: seconds)
            let listCPU = CPUTime.now(clusterRoot: cluster.root) - cpuBefore
            let create = try await Self.wrk(
                server.base + "/api/dashboard/briefs", key: key.plaintext, body: #"{"handle": "@wrk_brand", "notes": "load"}"#,
                seconds: seconds)
            say(String(format: "GET /health (baseline)              %8.0f req/s  p99 %@", health.rate, health.p99))
            say(
                String(
                    format: "GET /api/dashboard/workflows/runs  %8.0f req/s  p99 %@  = %.0f%% of baseline", list.rate, list.p99,
                    list.rate / health.rate * 100))
            say(
                String(
                    format: "   CPU per request: %.0f µs here, %.0f µs Postgres", listCPU.process / list.requests * 1e6,
                    listCPU.postgres / list.requests * 1e6))
            figures.record("list_cpu_us_per_request", listCPU.process / list.requests * 1e6)
            figures.record("list_postgres_cpu_us_per_request", listCPU.postgres / list.requests * 1e6)
            say(
                String(
                    format: "POST /api/dashboard/briefs         %8.0f req/s  p99 %@  = %.0f%% of baseline", create.rate, create.p99,
                    create.rate / health.rate * 100))
            let transaction = try await ListBaselines.pgbenchTransaction(appURL: cluster.appURL, workspace: workspace, seconds: seconds)
            say(
                String(
                    format:
                        "baseline: pgbench running the list's own transaction (32 clients): %.0f tps, latency average %.1f ms, p99 %.1f ms; the route reaches %.2fx of its rate",
                    transaction.tps, transaction.averageMs, transaction.p99Ms, list.rate / transaction.tps))
            figures.record("health_rps", health.rate)
            figures.record("list_rps", list.rate)
            figures.record("list_p99_ms", list.p99Ms)
            figures.record("list_pgbench_tps", transaction.tps)
            figures.record("list_pgbench_p99_ms", transaction.p99Ms)
            figures.record("briefs_rps", create.rate)
            if let seedPeer {
                try await ListBaselines.measureSeedPeer(
                    script: seedPeer, appURL: cluster.appURL, key: key.plaintext, ours: list.rate, seconds: seconds, figures: figures)
            }
            say(String(format: "memory: %.1f MB resident after HTTP load", Self.rssMB()))
            directList = list.rate
            await server.stop()
        }
        engine.cancel()
        await engine.value
        if !noPooler {
            try await pooled(
                cluster, workspace: workspace, key: key.plaintext, providers: providers, logger: logger, direct: direct,
                directList: directList)
        }
        await database.shutdown()
        figures.record("memory_mb", Self.rssMB())
        try figures.write(to: summary)
        say("figures written to \(summary)")
    }

    /// Runs/s and the list route again with the pool and the engine behind PgBouncer in
    /// transaction mode (unnamed statements, LISTEN straight to Postgres), beside the direct figures.
    func pooled(
        _ cluster: EmbeddedPostgres.Cluster, workspace: WorkspaceID, key: String, providers: ProviderSuite, logger: Logger,
        direct: [Int: Double], directList: Double?
    ) async throws {
        say("\n## Through PgBouncer (transaction mode, DATABASE_STATEMENTS=unnamed)")
        let bouncer: PgBouncer
        do { bouncer = try await Blocking.run { try PgBouncer.start(in: cluster) } } catch {
            say("skipped: \(error)")
            return
        }
        defer { bouncer.stop() }
        let database = Database(url: bouncer.url, poolSize: poolSize, statements: .unnamed, readConcurrency: readConcurrency)
        let orchestration = Self.orchestration(database, providers, logger, listenURL: cluster.appURL)
        let engine = Task { await orchestration.run() }
        for concurrency in Self.concurrencies {
            let result = try await runs(Self.runCount(concurrency), concurrency: concurrency, orchestration, database, workspace)
            say(
                String(
                    format: "%2d concurrent: %6.1f runs/s  = %3.0f%% of direct (%.1f runs/s)", concurrency, result.runsPerSecond,
                    result.runsPerSecond / (direct[concurrency] ?? .nan) * 100, direct[concurrency] ?? .nan))
        }
        if let directList {
            let settings = try Self.serverSettings()
            let server = try await InProcessServer.start(
                ServerDependencies(
                    settings: settings, database: database, orchestration: orchestration, providers: providers, logger: Self.serverLogger))
            let list = try await Self.wrk(server.base + "/api/dashboard/workflows/runs?limit=20", key: key, body: nil, seconds: seconds)
            say(
                String(
                    format: "GET /api/dashboard/workflows/runs  %8.0f req/s  p99 %@  = %.0f%% of direct (%.0f req/s)", list.rate, list.p99,
                    list.rate / directList * 100, directList))
            await server.stop()
        }
        engine.cancel()
        await engine.value
        await database.shutdown()
    }

    /// The engine every measurement uses: 64 steps at once, polling every 100 ms.
    static func orchestration(_ database: Database, _ providers: ProviderSuite, _ logger: Logger, listenURL: String) -> Orchestration {
        Orchestration(
            environment: AgentEnvironment(database: database, providers: providers, logger: logger),
            configuration: EngineConfiguration(maxConcurrentSteps: 64, pollInterval: .milliseconds(100)), listenURL: listenURL)
    }

    /// Concurrent runs the throughput is measured at, and how many runs each measurement takes.
    static let concurrencies = [1, 8, 64]
    static func runCount(_ concurrency: Int) -> Int { concurrency == 64 ? 128 : 32 }

    /// The in-process server's settings: rate limits far above what wrk sends from one key, so
    /// every measured request is served rather than answered 429.
    static func serverSettings() throws -> Settings {
        try Settings(environment: ["RATE_LIMIT_PER_KEY": "100000", "RATE_LIMIT_PER_ADDRESS": "100000"])
    }

    /// The in-process server's logger: requests wrk leaves open when a measurement ends are cut
    /// off on purpose, which is not worth a log line.
    static var serverLogger: Logger {
        var logger = Logger(label: "bench-http") { StandardOutputLogHandler(label: $0) }
        logger.logLevel = .critical
        return logger
    }

    struct RunResult {
        var elapsed: Double
        var count: Int
        var perRun: Double { elapsed / Double(count) }
        var runsPerSecond: Double { Double(count) / elapsed }
    }

    /// Starts `count` Profile Audit runs, at most `concurrency` at a time, and waits for all.
    func runs(_ count: Int, concurrency: Int, _ orchestration: Orchestration, _ database: Database, _ workspace: WorkspaceID) async throws
        -> RunResult
    {
        let briefs = try await database.withWorkspace(workspace) { c in
            try (0..<count).map { try BriefRepository.create(NewBrief(handle: "@bench_\($0)"), workspace: workspace, on: c).id }
        }
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func launch() {
                let brief = briefs[next]
                next += 1
                group.addTask {
                    let run = try await orchestration.service.start(briefId: brief, workflowSlug: "profile_audit", workspace: workspace).run
                        .id
                    for try await item in orchestration.bus.subscribe(run, workspace: workspace, after: 0, keepAlive: .seconds(30)) {
                        if case .event(let event) = item, event.event == .runCompleted, event.data["status"] != "succeeded" {
                            throw AppError.internal("run \(run) ended \(event.data["status"]?.stringValue ?? "?")")
                        }
                    }
                }
            }
            for _ in 0..<min(concurrency, count) { launch() }
            while try await group.next() != nil { if next < count { launch() } }
        }
        let elapsed = clock.now - started
        return RunResult(elapsed: Self.seconds(elapsed), count: count)
    }

    /// Microseconds per conversion of `value` to `JSONValue`: built directly, and through
    /// `JSONCoding.encoder()` and the parser; both produce the same value.
    static func conversion<T: Encodable>(_ value: T, times: Int) throws -> (direct: Double, viaText: Double) {
        let viaText = try JSONValue.parse(JSONCoding.encoder().encode(value))
        guard try JSONValue.from(value) == viaText else { throw AppError.internal("JSONValue.from differs from the encoder's text") }
        // Alternating rounds, so a change in the machine's speed weighs on both alike.
        let clock = ContinuousClock()
        var (direct, text) = (Duration.zero, Duration.zero)
        for _ in 0..<10 {
            var start = clock.now
            for _ in 0..<times / 10 { _ = try JSONValue.from(value) }
            direct += clock.now - start
            start = clock.now
            for _ in 0..<times / 10 { _ = try JSONValue.parse(JSONCoding.encoder().encode(value)) }
            text += clock.now - start
        }
        return (seconds(direct) / Double(times) * 1e6, seconds(text) / Double(times) * 1e6)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Seconds per bare single-row insert transaction through the same pool, one at a time.
    static func bareWrites(_ database: Database, _ workspace: WorkspaceID, count: Int) async throws -> Double {
        let start = ContinuousClock.now
        for i in 0..<max(count, 1) {
            try await database.withWorkspace(workspace) { c in
                try OutboxRepository.append(topic: "bench", payload: ["i": .number(i)], workspace: workspace, on: c)
            }
        }
        return seconds(ContinuousClock.now - start) / Double(max(count, 1))
    }

    struct FanOut {
        var p50: Double, p99: Double, max: Double, complete: Bool
    }

    static func fanout(_ orchestration: Orchestration, _ database: Database, _ workspace: WorkspaceID, subscribers: Int, events: Int)
        async throws -> FanOut
    {
        let run = try await database.withWorkspace(workspace) { c in
            try RunRepository.create(workspace: workspace, workflowId: nil, workflowSlug: "fanout", briefId: nil, input: [:], on: c)
        }
        let published = LatencyLog()
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<subscribers {
                group.addTask {
                    var expected = 1
                    for try await item in orchestration.bus.subscribe(run.id, workspace: workspace, after: 0, keepAlive: .seconds(60)) {
                        guard case .event(let event) = item else { continue }
                        guard event.seq == expected else { return false }
                        expected += 1
                        published.received(event.seq)
                    }
                    return expected == events + 2
                }
            }
            try await Task.sleep(for: .milliseconds(500))
            for i in 1...(events + 1) {
                published.sent(i)
                let name: RunEvent.Name = i == events + 1 ? .runCompleted : .stepStarted
                _ = try await database.withWorkspace(workspace) { c in
                    try RunEventRepository.append(run: run.id, event: name, data: [:], workspace: workspace, on: c)
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        let latencies = published.latencies.sorted()
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
        }
        return FanOut(p50: percentile(0.5), p99: percentile(0.99), max: latencies.last ?? 0, complete: results.allSatisfy { $0 })
    }
}
