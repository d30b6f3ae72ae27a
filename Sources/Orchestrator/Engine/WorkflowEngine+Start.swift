import Agents
import Core
import Foundation
import Persistence

extension WorkflowEngine {
    /// Claims up to `limit` ready steps (or `step`) and starts each in the same transaction: its
    /// run loaded, its input resolved from its dependencies' outputs, marked started, its agent run
    /// opened (a step whose definition is gone fails instead). One commit for the whole batch;
    /// their events go to local subscribers after it. A claim whose step could not start comes
    /// back without a `Prepared`; a step whose run another transaction holds is handed back, left
    /// out, and looked for again shortly (`handBackRetry`).
    func claimAndStart(limit: Int, step: WorkflowStepID? = nil) async throws -> [(Claim, Prepared?)] {
        if let step { return try await claimThenStart(step) }
        let owner = configuration.owner
        let lease = configuration.leaseSeconds
        let held = await state.heldSteps
        let database = database
        let handedBack = Flag()
        let started = try await bus.delivering { local in
            let batch = try await database.withUnscopedTransaction { c -> StartedBatch in
                var started: [(Claim, Prepared?)] = []
                var events: [RunEvent] = []
                var starting: [Starting] = []
                // The batch's runs are locked and read in one round trip, each once for all of its steps
                // (the parallel steps of a fan-out are claimed together); a step that ended instead of
                // starting makes the next step of that run read it again.
                let claims = try RunTransitions.claim(owner: owner, leaseSeconds: lease, limit: limit, step: step, held: held, c).map {
                    Claim(step: $0.step, run: $0.run, workspace: $0.workspace, attempt: $0.attempt)
                }
                var distinct = Set<WorkflowRunID>()
                var runs = try RunTransitions.tryLockAndLoad(
                    claims.filter { distinct.insert($0.run).inserted }.map { ($0.run, $0.workspace) }, c)
                for claim in claims {
                    try RunTransitions.scope(to: claim.workspace, c)
                    // Every transition takes its run's lock before its steps'; this one holds step locks
                    // already, so it never waits for a run: a busy run's step is handed back for now.
                    let loading = try runs[claim.run] ?? RunTransitions.tryLockAndLoad(claim.run, c)
                    runs[claim.run] = loading
                    switch loading {
                    case .busy:
                        try RunTransitions.unclaim(claim.step, owner: owner, c)
                        handedBack.set()
                    case .missing: started.append((claim, nil))
                    case .loaded(let loaded):
                        switch try self.begin(claim, loaded, c) {
                        case .starting(let one): starting.append(one)
                        case .ended(let ended):
                            runs[claim.run] = nil
                            started.append((claim, nil))
                            events += ended ?? []
                        }
                    }
                }
                // The batch's starts travel together, with its agent runs and the `COMMIT`: the claim
                // holds their steps and runs, so none waits for another and none can lose its lease.
                let starts = try RunTransitions.sendStarts(starting.map { ($0.step, $0.input) }, owner: owner, c)
                var prepared: [Prepared] = []
                for one in starting {
                    try RunTransitions.scope(to: one.claim.workspace, c)
                    prepared.append(try self.finish(one, c))
                }
                local.expect(runs: events.map(\.runId) + starting.map(\.claim.run))
                return StartedBatch(started: started, events: events, starting: starting, prepared: prepared, starts: starts)
            }
            // Read once the transaction has committed.
            var (started, events) = (batch.started, batch.events)
            for ((one, prepared), event) in zip(zip(batch.starting, batch.prepared), try batch.starts.events()) {
                started.append((one.claim, event == nil ? nil : prepared))
                if let event { events.append(event) }
            }
            return (started, events)
        }
        if configuration.executionMode == .cloudTasks {
            for (claim, _) in started { try? await transitions.dispatch(claim.run, claim.workspace) }
        }
        // A step handed back is still ready, and the transition holding its run may ready nothing
        // new: look again once that transition has most likely committed.
        if handedBack.isSet {
            Task { [self] in
                try? await Task.sleep(for: Self.handBackRetry)
                wake()
            }
        }
        return started
    }

    /// A claim batch's transaction: the claims that ended or were left out, and the starts whose
    /// answers came with its `COMMIT`.
    private struct StartedBatch: Sendable {
        var started: [(Claim, Prepared?)]
        var events: [RunEvent]
        var starting: [Starting]
        var prepared: [Prepared]
        var starts: RunTransitions.Starts
    }

    /// How soon the claim loop looks again for a step it handed back because its run was busy.
    static let handBackRetry = Duration.milliseconds(10)

    /// A delivered step (Cloud Tasks) is claimed and committed, then started in a transaction of
    /// its own that waits for its run's lock like any transition: parallel deliveries of one run's
    /// steps queue on the run instead of being handed back to a queue that retries only later.
    private func claimThenStart(_ step: WorkflowStepID) async throws -> [(Claim, Prepared?)] {
        let (owner, lease) = (configuration.owner, configuration.leaseSeconds)
        let held = await state.heldSteps
        let claims = try await database.withUnscopedTransaction { c in
            try RunTransitions.claim(owner: owner, leaseSeconds: lease, limit: 1, step: step, held: held, c).map {
                Claim(step: $0.step, run: $0.run, workspace: $0.workspace, attempt: $0.attempt)
            }
        }
        var started: [(Claim, Prepared?)] = []
        for claim in claims {
            let prepared: Prepared?? = try await transitions.commit(claim.workspace, readies: false) { c in
                try RunTransitions.loadRun(claim.run, c).flatMap { try self.start(claim, $0, c) }
            }
            started.append((claim, prepared ?? nil))
        }
        return started
    }

    /// What a claimed step needs to run, read in the transaction that marks it started.
    struct Prepared: Sendable {
        var run: WorkflowRun
        var steps: [WorkflowStep]
        var step: WorkflowStep
        var definition: WorkflowDef
        var stepDef: WorkflowStepDef
        var input: JSONValue
        /// The agent run an agent or synthesis step starts, recorded in the same transaction.
        var agentRun: AgentRunStart?
        /// In a replay: how the recorded run answers this step.
        var replay: ReplayPlan?
    }

    /// Starts a claimed step inside the claim's transaction (scoped to its workspace), from its
    /// run as loaded there: resolves the step's input from its dependencies' outputs, marks it
    /// started and starts its agent run, or fails it when its definition is gone. `nil` when
    /// there is nothing to start.
    func start(_ claim: Claim, _ loaded: RunTransitions.LoadedRun, _ c: Connection) throws -> (Prepared?, [RunEvent])? {
        switch try begin(claim, loaded, c) {
        case .ended(let events): return events.map { (nil, $0) }
        case .starting(let one):
            guard let event = try RunTransitions.markStarted(one.step, input: one.input, owner: configuration.owner, c) else {
                return nil
            }
            return (try finish(one, c), [event])
        }
    }

    /// A claimed step whose input is resolved, to be marked started.
    struct Starting {
        var claim: Claim
        var loaded: RunTransitions.LoadedRun
        var step: WorkflowStep
        var definition: WorkflowDef
        var stepDef: WorkflowStepDef
        var input: JSONValue
    }

    /// What `begin` made of a claimed step.
    enum Beginning {
        /// Ready to be marked started.
        case starting(Starting)
        /// Nothing to start: failed (its definition is gone) with these events, or `nil` when
        /// the step was not found or its lease lost.
        case ended([RunEvent]?)
    }

    /// Resolves a claimed step's input from its dependencies' outputs, or fails the step when its
    /// definition is gone.
    func begin(_ claim: Claim, _ loaded: RunTransitions.LoadedRun, _ c: Connection) throws -> Beginning {
        let (run, steps) = (loaded.run, loaded.steps)
        guard let step = steps.first(where: { $0.id == claim.step }) else { return .ended(nil) }
        guard let definition = try definitions.definition(of: run), let stepDef = definition.step(step.stepKey) else {
            return .ended(
                try RunTransitions.fail(
                    step, error: "no definition for step \(step.stepKey)", agentRunId: nil, owner: configuration.owner, c))
        }
        let outputs = Dictionary(
            uniqueKeysWithValues: steps.compactMap { s in s.status == .succeeded ? s.output.map { (s.stepKey, $0) } : nil })
        let input = InputResolver.resolve(stepDef, brief: run.input["brief"] ?? [:], outputs: outputs)
        return .starting(Starting(claim: claim, loaded: loaded, step: step, definition: definition, stepDef: stepDef, input: input))
    }

    /// A step marked started: its replay plan, and its agent run opened.
    func finish(_ one: Starting, _ c: Connection) throws -> Prepared {
        let (claim, loaded, step, stepDef, input) = (one.claim, one.loaded, one.step, one.stepDef, one.input)
        let (run, steps) = (loaded.run, loaded.steps)
        let replay = try run.replayOf.map {
            try ReplayPlan.plan(
                for: step, definition: stepDef, original: $0, mode: run.evaluationId == nil ? .replay : .evaluate, on: c)
        }
        var agentRun: AgentRunStart?
        if stepDef.kind != .approval, replay == nil || replay?.recording != nil {
            let name = stepDef.kind == .synthesis ? "synthesis" : stepDef.agent
            agentRun = AgentRunStart(
                id: AgentRunID(environment.ids.next()), name: name, input: input, workspace: claim.workspace, workflowRun: claim.run,
                workflowStep: claim.step)
            agentRun?.recording = replay?.recording
            if let evaluation = run.evaluationId { agentRun?.model = try EvaluationRepository.find(evaluation, on: c)?.models[name] }
            try agentRun?.record(on: c, modelChoices: loaded.modelChoices)
        }
        let shown = stepDef.kind == .synthesis ? try ReplayPlan.costsAsRecorded(steps, run: run, except: step, c) : steps
        return Prepared(
            run: run, steps: shown, step: step, definition: one.definition, stepDef: stepDef, input: input, agentRun: agentRun,
            replay: replay)
    }
}
