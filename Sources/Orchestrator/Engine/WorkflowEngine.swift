import Agents
import Core
import Foundation
import Logging
import Persistence
import Providers

/// Executes workflow steps whose state lives in Postgres.
///
/// `inline` mode: a loop claims ready steps (`FOR UPDATE SKIP LOCKED`, with a lease it renews)
/// and runs up to `maxConcurrentSteps` at once, so independent steps run in parallel and several
/// processes share the work. `cloud_tasks` mode: ready steps are enqueued as Cloud Tasks and run
/// when delivered to `runStep`. A step a crashed process held is claimed again once its lease
/// expires; a succeeded step is never claimed again.
public final class WorkflowEngine: Sendable {
    /// The `NOTIFY` channel engines listen on: `work`, or `cancel:<run id>:<workspace id>`.
    public static let controlChannel = RunTransitions.controlChannel

    public let environment: AgentEnvironment
    /// Commits this engine's transitions (and the service's, sharing its wake-ups).
    public let transitions: RunCommitter
    let runner: AgentRunner
    let state = EngineState()
    let definitions = DefinitionCache()
    /// Whether claiming and recording succeed.
    public let health: EngineHealth
    let control: AsyncStream<ListenerEvent>?

    /// `control` carries the `work` and `cancel:` notices `run()` follows.
    public init(environment: AgentEnvironment, transitions: RunCommitter, control: AsyncStream<ListenerEvent>? = nil) {
        self.control = control
        self.health = EngineHealth(threshold: transitions.configuration.stallSeconds)
        self.environment = environment
        self.transitions = transitions
        self.runner = AgentRunner(environment: environment)
    }

    public var configuration: EngineConfiguration { transitions.configuration }
    public var bus: EventBus { transitions.bus }
    var database: Database { environment.database }
    var logger: Logger { environment.logger }

    /// Tells the loop that work may be ready.
    public func wake() { transitions.wake() }

    /// The claim loop. When the task is cancelled it stops claiming, lets in-flight steps finish
    /// for up to `drainTimeout`, then cancels the rest and hands their steps back, and returns.
    public func work() async {
        guard configuration.executionMode == .inline else { return }
        while !Task.isCancelled {
            let capacity = await state.capacity(of: configuration.maxConcurrentSteps)
            var claimed: [(Claim, Prepared?)] = []
            if capacity > 0 {
                do {
                    claimed = try await claimAndStart(limit: capacity)
                    health.succeeded()
                } catch  where !Task.isCancelled {
                    health.failed("claiming steps", error)
                    logger.warning("claiming steps failed", metadata: ["error": "\(error)"])
                } catch {}
            }
            for (claim, prepared) in claimed {
                guard let prepared else { continue }
                await state.begin(claim)
                // Unstructured, so stopping the loop does not cut a step off mid-write.
                let execution = Task { [self] in
                    await execute(claim, prepared)
                    if await state.end(claim) { wake() }
                }
                await state.track(execution, for: claim)
            }
            if claimed.isEmpty || claimed.count < capacity {
                await transitions.signal.wait(timeout: configuration.pollInterval)
            }
        }
        await drain()
    }

    /// Waits for in-flight steps, up to `drainTimeout`; then cancels what is left, whose steps
    /// are released rather than failed.
    func drain() async {
        let deadline = ContinuousClock.now + configuration.drainTimeout
        while await state.inFlight > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let remaining = await state.inFlight
        if remaining > 0 {
            logger.warning("cancelling steps still running at shutdown; they are handed back", metadata: ["count": "\(remaining)"])
        }
        for execution in await state.shutDown() { await execution.value }
    }

    /// Runs one specific step now (the Cloud Tasks delivery path). Throws when it is not
    /// claimable, so the queue retries later.
    public func runStep(_ step: WorkflowStepID) async throws {
        guard let (claim, prepared) = try await claimAndStart(limit: 1, step: step).first else {
            throw AppError.conflict("step \(step) is not ready or is held by another worker")
        }
        guard let prepared else { return }
        await state.begin(claim)
        await execute(claim, prepared)
        _ = await state.end(claim)
    }

    /// Cancels this process's in-flight steps of `run`.
    public func cancelLocal(_ run: WorkflowRunID) async { await state.cancel(run) }

    struct Claim: Sendable, Hashable {
        var step: WorkflowStepID
        var run: WorkflowRunID
        var workspace: WorkspaceID
        var attempt: Int
        /// Distinguishes two claims of the same step and attempt (after a manual retry).
        var token = Crypto.randomUUID()
    }

    func execute(_ claim: Claim, _ prepared: Prepared) async {
        do {
            try await perform(claim, prepared)
        } catch {
            logger.error("step execution failed", metadata: ["workflow.step_id": "\(claim.step)", "error": "\(error)"])
        }
    }

    private func perform(_ claim: Claim, _ prepared: Prepared) async throws {
        let owner = configuration.owner
        let (run, steps, step, definition, stepDef, input) = (
            prepared.run, prepared.steps, prepared.step, prepared.definition, prepared.stepDef, prepared.input
        )
        let agentRun = prepared.agentRun

        if let plan = prepared.replay, try await endWithoutRunning(step, plan, claim) { return }

        switch stepDef.kind {
        case .approval:
            let budget = input["budget_usd"] == nil ? stepDef.options["default_budget_usd"] : nil
            let payload = budget.map { input.merging(["budget_usd": $0]) } ?? input
            let decision: (Approval, WorkflowStep)? =
                if case .decide(let gate, let recorded)? = prepared.replay { (gate, recorded) } else { nil }
            _ = try await transitions.commit(claim.workspace, readies: decision != nil) { c -> ((), [RunEvent])? in
                guard let (approval, parked) = try RunTransitions.park(step, payload: payload, owner: owner, c) else { return nil }
                guard let (gate, recorded) = decision else { return ((), parked) }
                return ((), parked + (try ReplayPlan.decide(approval, like: gate, step: step, recorded: recorded, c)))
            }
        case .agent, .synthesis:
            guard let agentRun else { return }
            await runWork(
                step, stepDef: stepDef, definition: definition, run: run, steps: steps, input: input, agentRun: agentRun, claim: claim)
        }
    }

    private func runWork(
        _ step: WorkflowStep, stepDef: WorkflowStepDef, definition: WorkflowDef, run: WorkflowRun, steps: [WorkflowStep], input: JSONValue,
        agentRun: AgentRunStart, claim: Claim
    ) async {
        let owner = configuration.owner
        let started = ContinuousClock.now
        let work = Task { [runner] () throws -> AgentRunFinish in
            switch stepDef.kind {
            case .synthesis:
                let handle = input["handle"]?.stringValue
                return try await runner.execute(agentRun) { _, context in
                    var brand: BrandContext?
                    if let handle { brand = try await context.brandContext(handle: handle.hasPrefix("@") ? handle : "@" + handle) }
                    let prompt = Synthesis.prompt(definition: definition, stepDef: stepDef, run: run, steps: steps, handle: handle)
                    let call = try await context.gateway.callClaudeCached(
                        system: PromptLayout.system(brand: brand, instructions: prompt.system), user: prompt.user, maxTokens: 4096,
                        isSynthesis: true,
                        workflowSlug: definition.slug, model: context.model)
                    let agents = Dictionary(definition.steps.map { ($0.key, $0.agent) }, uniquingKeysWith: { first, _ in first })
                    let report = ReportComposer.compose(narrative: call.text, steps: steps) { agents[$0.stepKey] }
                    return ["report_md": .string(report)]
                }
            default:
                return try await runner.execute(agentRun) { input, context in try await runner.agentBody(agentRun.name)(input, context) }
            }
        }
        if await state.attach(work, to: claim) { keepLeases() }
        let expired = Flag()
        let timeout = stepDef.timeoutSeconds.map { seconds in
            Task {
                try? await Task.sleep(for: .seconds(seconds), slicedBy: .seconds(5))
                if !Task.isCancelled {
                    expired.set()
                    work.cancel()
                }
            }
        }
        let result = await work.result
        await state.detach(claim)
        timeout?.cancel()
        let latency = started.millisecondsElapsed
        do {
            switch result {
            case .success(let finish):
                let reportMd = stepDef.kind == .synthesis ? finish.output["report_md"]?.stringValue : nil
                // The agent run closes in the transaction that records the step (the step's update
                // reads its cost). Its trace rows go first: they lock nothing, so the run's lock that
                // the run's other steps queue on is held for less. The lease is asserted with the run
                // lock, and when it was lost the agent run is closed as superseded instead. Engines
                // are woken only when the success left a step ready. A step others wait on leaves its
                // run open, so its success takes one round trip, unless it turns out to end the run
                // after all.
                let leavesRunOpen = definition.steps.contains { $0.dependsOn.contains(stepDef.key) }
                let lockAndClose: @Sendable (Connection) throws -> Void = { c in
                    try finish.sendTraceRows(on: c)
                    try RunTransitions.lockRun(step.runId, holdingLeaseOf: step.id, owner: owner, c)
                    try finish.sendClose(on: c)
                    if let reportMd { try RunTransitions.setReport(claim.run, reportMd, c) }
                }
                do {
                    var recorded = false
                    if leavesRunOpen {
                        recorded = try await recordContinuingSuccess(claim.workspace) { c in
                            try lockAndClose(c)
                            let completion = try RunTransitions.sendComplete(
                                step, output: finish.output, latencyMs: latency, agentRunId: finish.start.id, owner: owner, c)
                            return RunCommitter.Sent(runs: [step.runId]) {
                                let completed = try completion()
                                return (completed?.readied ?? false, completed?.events ?? [])
                            }
                        }
                    }
                    if !recorded {
                        try await recordOutcome(claim.workspace, readiesWhen: \Bool.self) { c in
                            try lockAndClose(c)
                            return try RunTransitions.complete(
                                step, output: finish.output, costUsd: nil, latencyMs: latency, agentRunId: finish.start.id, owner: owner,
                                runLocked: true, c
                            ).map { ($0.readied, $0.events) }
                        }
                    }
                } catch let error as DatabaseError where error.isLeaseLost {
                    try await recordOutcome(claim.workspace) { c in
                        try finish.recordDiscarded("superseded: the step's lease passed to another worker", on: c)
                        return nil
                    }
                }
            case .failure(let error):
                let timedOut = expired.isSet
                let agentError = error as? AgentError
                let message =
                    timedOut
                    ? "timed out after \(Int(stepDef.timeoutSeconds ?? 0)) s"
                    : (agentError?.message ?? (error is CancellationError ? "cancelled" : "\(error)"))
                // An unreachable database (before the agent run could even start) is worth another attempt too.
                let transient = timedOut || (agentError?.isTransient ?? false) || ((error as? DatabaseError)?.isUnavailable ?? false)
                let agentRunId = agentError?.agentRunId
                switch await state.cancellation(of: claim) {
                case .run?, .leaseLost?: return
                case .shutdown?:
                    try await recordOutcome(claim.workspace) { c in try RunTransitions.release(step, owner: owner, c).map { ((), []) } }
                    return
                case nil: break
                }
                if transient, claim.attempt < stepDef.retry.maxAttempts {
                    // At least as long as the failing service advised (a long retry-after).
                    let delay = max(stepDef.retry.backoffSeconds * pow(2, Double(claim.attempt - 1)), agentError?.retryAfter ?? 0)
                    let at = environment.clock.now().addingTimeInterval(delay)
                    try await recordOutcome(claim.workspace) { c in
                        try RunTransitions.scheduleRetry(step, error: message, at: at, agentRunId: agentRunId, owner: owner, c).map {
                            ((), $0)
                        }
                    }
                } else {
                    try await recordOutcome(claim.workspace, readies: false) { c in
                        try RunTransitions.fail(step, error: message, agentRunId: agentRunId, owner: owner, c).map { ((), $0) }
                    }
                }
            }
        } catch {
            health.failed("recording a step outcome", error)
            logger.error("recording a step outcome failed", metadata: ["workflow.step_id": "\(claim.step)", "error": "\(error)"])
        }
    }

    /// Commits a step outcome, trying again through a database outage for up to
    /// `outcomeRetryWindow`, so an outcome already computed is recorded once the database answers
    /// rather than the step being run a second time. The step stays held (and unclaimable here)
    /// meanwhile. `readies` says whether the outcome can make a step ready.
    func recordOutcome(
        _ workspace: WorkspaceID, readies: Bool = true, _ body: @escaping @Sendable (Connection) throws -> ((), [RunEvent])?
    ) async throws {
        try await recordOutcome(workspace, readiesWhen: { _ in readies }, body)
    }

    /// Like `recordOutcome(_:readies:_:)`, with whether the outcome can make a step ready read
    /// from what `body` returned, in its transaction (`RunCommitter.commit(_:readiesWhen:_:)`).
    func recordOutcome<T: Sendable>(
        _ workspace: WorkspaceID, readiesWhen readied: @escaping @Sendable (T) -> Bool,
        _ body: @escaping @Sendable (Connection) throws -> (T, [RunEvent])?
    ) async throws {
        try await retryingWhileUnavailable { try await transitions.commit(workspace, readiesWhen: readied, body) }
    }

    /// Records a success that leaves its run open in one round trip (`RunTransitions.sendComplete`
    /// in `body`); `false`, with nothing of it kept, when it turned out to end the run after all.
    func recordContinuingSuccess(
        _ workspace: WorkspaceID, _ body: @escaping @Sendable (Connection) throws -> RunCommitter.Sent<Bool>
    ) async throws -> Bool {
        do {
            try await retryingWhileUnavailable { _ = try await transitions.commitThenRead(workspace, readiesWhen: { $0 }, body) }
            return true
        } catch let error as DatabaseError where error.isRunEnding {
            return false
        }
    }

    /// Runs `write` again, with a growing pause, while the database is unavailable, within the
    /// outcome retry window.
    private func retryingWhileUnavailable(_ write: () async throws -> Void) async throws {
        let deadline = ContinuousClock.now + configuration.outcomeRetryWindow
        var delay = Duration.milliseconds(100)
        while true {
            do {
                try await write()
                health.succeeded()
                return
            } catch let error as DatabaseError where error.isUnavailable && ContinuousClock.now < deadline {
                health.failed("recording a step outcome", error)
                logger.warning("recording a step outcome waits for the database", metadata: ["error": "\(error)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }
}
