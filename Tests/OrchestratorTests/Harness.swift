import Agents
import Core
import Foundation
import Logging
import Persistence
import Providers
import TestSupport

@testable import Orchestrator

/// An orchestrator on the test database with mock providers, run in the background.
final class Harness: @unchecked Sendable {
    let orchestration: Orchestration
    let loop: Task<Void, Never>
    var service: WorkflowService { orchestration.service }
    var engine: WorkflowEngine { orchestration.engine }

    let store: TestDatabase.Store

    init(
        _ store: TestDatabase.Store, claude: (any ClaudeClient)? = nil, owner: String = "test-\(UUID().uuidString.prefix(6))",
        lease: Int = 30,
        concurrency: Int = 16, drain: Duration = .seconds(10), runLoop: Bool = true, cipher: TokenCipher? = nil,
        providers adjust: (inout ProviderSuite) -> Void = { _ in }
    ) {
        self.store = store
        var providers = ProviderSuite.mock(transport: CurlTransport())
        if let claude { providers.claude = claude }
        adjust(&providers)
        let environment = AgentEnvironment(
            database: store.database, providers: providers, mediaDir: NSTemporaryDirectory() + "orchestrator-media",
            logger: Logger(label: "orchestrator-test"), cipher: cipher)
        orchestration = Orchestration(
            environment: environment,
            configuration: EngineConfiguration(
                owner: owner, maxConcurrentSteps: concurrency, leaseSeconds: lease, pollInterval: .milliseconds(200), drainTimeout: drain),
            listenURL: store.appURL)
        let orchestration = orchestration
        loop = Task { if runLoop { await orchestration.run() } }
    }

    func stop() async {
        loop.cancel()
        await loop.value
    }

    var database: Database { store.database }

    /// Creates a workspace and a brief.
    /// A brief naming one competitor, so every Profile Audit analyst (the benchmarker included)
    /// calls Claude: competitors are never invented.
    func brief(_ handle: String = "@glowco", inputs: JSONValue = ["competitors": ["@rival_brand"]]) async throws -> (WorkspaceID, Brief) {
        let (workspace, _) = try await TestDatabase.workspace(in: database)
        let brief = try await database.withWorkspace(workspace) { c in
            try BriefRepository.create(NewBrief(handle: handle, notes: "Spring launch", inputs: inputs), workspace: workspace, on: c)
        }
        return (workspace, brief)
    }

    /// Polls until the run reaches one of `statuses`: a deadline for a hung run, not a speed
    /// check — a Campaign Launch renders and transcodes real video while every suite runs at
    /// once on a small machine.
    func wait(
        for run: WorkflowRunID, in workspace: WorkspaceID, until statuses: Set<RunStatus>, timeout: Duration = .seconds(240)
    ) async throws -> (WorkflowRun, [WorkflowStep]) {
        let deadline = ContinuousClock.now + timeout
        var last: (WorkflowRun, [WorkflowStep])?
        while ContinuousClock.now < deadline {
            let (current, steps) = try await database.withWorkspace(workspace) { c in
                (try RunRepository.find(run, on: c)!, try StepRepository.list(run: run, on: c))
            }
            if statuses.contains(current.status) { return (current, steps) }
            last = (current, steps)
            try await Task.sleep(for: .milliseconds(50))
        }
        let state = last.map { run, steps in
            "it is \(run.status.rawValue); steps: "
                + steps.map { "\($0.stepKey)=\($0.status.rawValue)\($0.error.map { " (\($0))" } ?? "")" }.joined(separator: ", ")
        }
        throw AppError.internal("run \(run) did not reach \(statuses) in \(timeout): \(state ?? "never read")")
    }

    /// Polls until `condition` holds over the run's steps.
    func waitForSteps(
        _ run: WorkflowRunID, in workspace: WorkspaceID, timeout: Duration = .seconds(30), _ condition: @escaping ([WorkflowStep]) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let steps = try await database.withWorkspace(workspace) { try StepRepository.list(run: run, on: $0) }
            if condition(steps) { return }
            try await Task.sleep(for: .milliseconds(30))
        }
        throw AppError.internal("steps of \(run) never satisfied the condition")
    }

    func events(_ run: WorkflowRunID, in workspace: WorkspaceID) async throws -> [RunEvent] {
        try await database.withWorkspace(workspace) { try RunEventRepository.list(run: run, after: 0, on: $0) }
    }
}

/// Claude that fails transiently for the first `failures` calls whose system prompt contains `marker`.
final class FlakyClaude: ClaudeClient, @unchecked Sendable {
    let marker: String
    let lock = NSLock()
    var failuresLeft: Int
    var permanent: Bool
    let inner = MockClaude()

    init(marker: String, failures: Int, permanent: Bool = false) {
        self.marker = marker
        self.failuresLeft = failures
        self.permanent = permanent
    }

    func send(_ request: ClaudeRequest) async throws -> ClaudeResponse {
        if request.systemText.contains(marker) {
            let fail: (Bool, Bool) = lock.withLock {
                if permanent { return (true, true) }
                if failuresLeft > 0 {
                    failuresLeft -= 1
                    return (true, false)
                }
                return (false, false)
            }
            if fail.0 {
                throw fail.1
                    ? ClaudeError(kind: .invalidRequest, status: 400, message: "prompt is too long")
                    : ClaudeError(kind: .overloaded, status: 529, message: "Overloaded")
            }
        }
        return try await inner.send(request)
    }

    func heal() {
        lock.withLock {
            permanent = false
            failuresLeft = 0
        }
    }
}

/// A `tiktok-army worker` process on the test database.
final class WorkerProcess: @unchecked Sendable {
    let child: ChildProcess.Child
    let owner: String

    init(owner: String, store: TestDatabase.Store, environment extra: [String: String]) throws {
        self.owner = owner
        let binary = TestDatabase.repositoryRoot + "/.build/debug/tiktok-army"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw AppError.internal("\(binary) is missing: run swift build first")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = store.appURL
        environment["DATABASE_OWNER_URL"] = nil
        environment["TOKEN_ENCRYPTION_KEY"] = Data(repeating: 7, count: 32).base64EncodedString()
        environment["LOG_LEVEL"] = "error"
        environment["MEDIA_DIR"] = NSTemporaryDirectory() + "orchestrator-media"
        for (key, value) in extra { environment[key] = value }
        child = try ChildProcess.start([binary, "worker", "--owner", owner], environment: environment)
    }

    func kill() {
        child.signal(SIGKILL)
        child.wait()
    }

    /// Asks the worker to stop (it drains its steps first) and reaps it on a thread of its own,
    /// so a test's cooperative thread is not held for the drain.
    func stop() {
        child.signal(SIGTERM)
        let child = child
        Thread.detachNewThread { child.wait() }
    }
}
