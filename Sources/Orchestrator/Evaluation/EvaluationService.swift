import Agents
import Core
import Foundation
import Persistence

/// What to evaluate: recorded runs, by id or chosen by workflow, brand and dates, and the change.
public struct EvaluationRequest: Sendable, Equatable {
    /// The runs to re-run; when empty they are the latest `limit` succeeded recorded runs that
    /// match the filters.
    public var runs: [WorkflowRunID]
    public var workflowSlug: String?
    public var handle: String?
    public var from: Date?
    public var until: Date?
    public var limit: Int
    /// The model each named agent (or `synthesis`) uses in the re-runs; empty evaluates the
    /// prompts and models of this build as they are.
    public var models: [String: String]
    public var name: String?

    public init(
        runs: [WorkflowRunID] = [], workflowSlug: String? = nil, handle: String? = nil, from: Date? = nil, until: Date? = nil,
        limit: Int = 5, models: [String: String] = [:], name: String? = nil
    ) {
        self.runs = runs
        self.workflowSlug = workflowSlug
        self.handle = handle
        self.from = from
        self.until = until
        self.limit = limit
        self.models = models
        self.name = name
    }

    /// The most runs one evaluation re-runs.
    public static let maxRuns = 20
}

/// Starts, reports and cancels evaluations: recorded runs re-run with every provider, skill and
/// read call answered from their recording (a call it lacks goes to the service), acting agents'
/// outputs and gate decisions restored, and Claude asked again — live or mock, through the
/// workspace's Claude cap — under the change.
public struct EvaluationService: Sendable {
    let workflows: WorkflowService

    /// Starts and cancels its re-runs through `workflows`.
    public init(workflows: WorkflowService) { self.workflows = workflows }

    var environment: AgentEnvironment { workflows.environment }
    var database: Database { environment.database }

    /// Checks the request, then creates the evaluation and one re-run per chosen run in one
    /// transaction. A bad agent or model, a run that is still going or is itself a replay, or no
    /// matching run is refused naming it, and nothing is created.
    public func start(_ request: EvaluationRequest, by: String?, workspace: WorkspaceID) async throws -> Evaluation {
        let catalog = environment.providers.models
        let now = environment.clock.now()
        for (agent, model) in request.models.sorted(by: { $0.key < $1.key }) {
            guard Catalog.modelUsers.contains(agent) else {
                throw AppError.invalidInput("models: no agent named \(agent) (one of \(Catalog.modelUsers.joined(separator: ", ")))")
            }
            guard catalog.model(model) != nil else { throw AppError.invalidInput("models.\(agent): \(model) is not a model with a price") }
            if let refusal = catalog.refusal(of: model, at: now) { throw AppError.invalidInput("models.\(agent): \(refusal)") }
        }
        guard (1...EvaluationRequest.maxRuns).contains(request.limit) else {
            throw AppError.invalidInput("limit must be between 1 and \(EvaluationRequest.maxRuns)")
        }
        guard request.runs.count <= EvaluationRequest.maxRuns else {
            throw AppError.invalidInput("at most \(EvaluationRequest.maxRuns) runs can be evaluated at once")
        }
        let evaluation: Evaluation? = try await workflows.transitions.commit(workspace) { c in
            let sources = try Self.sources(request, on: c)
            let name =
                request.name
                ?? (request.models.isEmpty
                    ? "This build's prompts on \(sources.count) run\(sources.count == 1 ? "" : "s")"
                    : request.models.sorted { $0.key < $1.key }.map { "\($0.key) on \($0.value)" }.joined(separator: ", "))
            let evaluation = try EvaluationRepository.create(
                name: name, models: request.models, createdBy: by, workspace: workspace, on: c)
            let events = try sources.map {
                try WorkflowService.createReplay(of: $0, evaluation: evaluation.id, by: by, workspace: workspace, on: c).1
            }
            return (evaluation, events)
        }
        guard let evaluation else { throw AppError.internal("evaluation was not created") }
        return evaluation
    }

    /// The recorded runs the request names, or chooses by its filters.
    static func sources(_ request: EvaluationRequest, on c: Connection) throws -> [WorkflowRun] {
        if !request.runs.isEmpty {
            return try request.runs.map { id in
                guard let run = try RunRepository.find(id, on: c) else { throw AppError.notFound("run \(id) not found") }
                guard run.replayOf == nil, run.evaluationId == nil else {
                    throw AppError.invalidInput("run \(id) is a replay; evaluate the run it replays")
                }
                guard run.status.isTerminal else {
                    throw AppError.conflict("run \(id) is still \(run.status.rawValue); a run can be evaluated once it has ended")
                }
                return run
            }
        }
        let filter = RunFilter(
            status: .succeeded, workflowSlug: request.workflowSlug, handle: request.handle, from: request.from, until: request.until,
            recordedOnly: true)
        let listed = try RunRepository.list(filter, limit: request.limit, cursor: nil, on: c).items
        guard !listed.isEmpty else { throw AppError.invalidInput("no succeeded recorded run matches the filters") }
        return try listed.compactMap { try RunRepository.find($0.id, on: c) }
    }

    /// The evaluation with every re-run compared to its recording; marks it finished once its
    /// re-runs have all ended.
    public func report(_ id: EvaluationID, workspace: WorkspaceID) async throws -> EvaluationReport {
        try await database.withWorkspace(workspace) { c in
            guard var evaluation = try EvaluationRepository.find(id, on: c) else { throw AppError.notFound("evaluation \(id) not found") }
            let runs = try EvaluationRepository.runs(id, on: c)
            if evaluation.status == .running, runs.allSatisfy({ $0.status.isTerminal }), try EvaluationRepository.end(id, .finished, on: c)
            {
                evaluation = try EvaluationRepository.find(id, on: c) ?? evaluation
            }
            var pairs: [EvaluationReport.Pair] = []
            for run in runs {
                guard let sourceId = run.replayOf, let source = try RunRepository.find(sourceId, on: c) else { continue }
                pairs.append(
                    EvaluationReport.Pair(
                        source: source, run: run, sourceSteps: try StepRepository.list(run: source.id, on: c),
                        steps: try StepRepository.list(run: run.id, on: c),
                        callsBefore: try AgentStepRepository.claudeCalls(run: source.id, on: c),
                        callsAfter: try AgentStepRepository.claudeCalls(run: run.id, on: c)))
            }
            return EvaluationReport(evaluation: evaluation, pairs: pairs)
        }
    }

    /// The workspace's evaluations, newest first.
    public func list(workspace: WorkspaceID, limit: Int = 50) async throws -> [Evaluation] {
        try await database.withWorkspace(workspace) { try EvaluationRepository.list(limit: limit, on: $0) }
    }

    /// Stops an evaluation: its re-runs still going are cancelled. One that ended is a conflict.
    public func cancel(_ id: EvaluationID, by: String?, workspace: WorkspaceID) async throws -> Evaluation {
        let (evaluation, runs) = try await database.withWorkspace(workspace) { c in
            guard let evaluation = try EvaluationRepository.find(id, on: c) else { throw AppError.notFound("evaluation \(id) not found") }
            guard evaluation.status == .running else { throw AppError.conflict("evaluation \(id) already \(evaluation.status.rawValue)") }
            return (evaluation, try EvaluationRepository.runs(id, on: c))
        }
        for run in runs where !run.status.isTerminal {
            do { _ = try await workflows.cancel(run.id, by: by, workspace: workspace) } catch let error as AppError
                where error.status == 409
            {}
        }
        _ = try await database.withWorkspace(workspace) { try EvaluationRepository.end(evaluation.id, .cancelled, on: $0) }
        return try await database.withWorkspace(workspace) { try EvaluationRepository.find(id, on: $0) } ?? evaluation
    }
}
