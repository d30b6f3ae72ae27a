import Core
import Foundation
import Persistence
import Providers

/// Commits run transitions for whoever changes a run — the engine recording a step, the service
/// starting, cancelling, retrying or deciding: the transition's transaction, then its events to
/// this process's subscribers (through `EventBus.delivering`, so the bus does not read back the
/// events of its own `NOTIFY`). A transition that can make a step ready also sends `NOTIFY work`
/// in its transaction (other engines wake on it) and wakes this process's engine after it; in
/// `cloud_tasks` mode the run's ready steps are then enqueued.
public struct RunCommitter: Sendable {
    let database: Database
    let bus: EventBus
    let configuration: EngineConfiguration
    let tasks: (any TaskQueue)?
    /// The engine's claim loop waits on it.
    let signal = WakeSignal()

    /// `tasks` is the Cloud Tasks queue of `cloud_tasks` mode.
    public init(database: Database, bus: EventBus, configuration: EngineConfiguration, tasks: (any TaskQueue)? = nil) {
        self.database = database
        self.bus = bus
        self.configuration = configuration
        self.tasks = tasks
    }

    /// Tells this process's engine that work may be ready.
    public func wake() { Task { [signal] in await signal.fire() } }

    /// Commits `body` in `workspace`'s transaction; `nil` when the body declined (a lost lease).
    @discardableResult
    func commit<T: Sendable>(
        _ workspace: WorkspaceID, readies: Bool = true, _ body: @escaping @Sendable (Connection) throws -> (T, [RunEvent])?
    ) async throws -> T? {
        try await commit(workspace, readiesWhen: { _ in readies }, body)
    }

    /// Like `commit(_:readies:_:)`, with whether the transition can make a step ready decided in
    /// its transaction from what the body returned (a step's success readies one only when it was
    /// the last its dependents waited for).
    @discardableResult
    func commit<T: Sendable>(
        _ workspace: WorkspaceID, readiesWhen readied: @escaping @Sendable (T) -> Bool,
        _ body: @escaping @Sendable (Connection) throws -> (T, [RunEvent])?
    ) async throws -> T? {
        let (owner, database) = (configuration.owner, database)
        let committed: (value: T, events: [RunEvent], readies: Bool)? = try await bus.delivering { local in
            let committed = try await database.withWorkspace(workspace) { c -> (value: T, events: [RunEvent], readies: Bool)? in
                guard let (value, events) = try body(c) else { return nil }
                let readies = readied(value)
                if readies { try RunTransitions.notifyWork(from: owner, c) }
                local.expect(events)
                return (value, events, readies)
            }
            return (committed, committed?.events ?? [])
        }
        guard let (value, events, readies) = committed else { return nil }
        // Other engines hear the NOTIFY; this one ignores its own echo and is woken here.
        if readies { wake() }
        if configuration.executionMode == .cloudTasks, let run = events.first?.runId { try? await dispatch(run, workspace) }
        return value
    }

    /// What a body of `commitThenRead` sent: the runs it writes events of, and how to read its
    /// value and events from the answers that came with the `COMMIT`.
    struct Sent<T: Sendable>: Sendable {
        var runs: [WorkflowRunID]
        var read: @Sendable () throws -> (T, [RunEvent])
    }

    /// Like `commit(_:readies:_:)`, for a body whose statements all travel with the `COMMIT`
    /// (`Connection.sendForLater`): one round trip fewer, its answers read once the transaction
    /// has committed. It readies work, with a `NOTIFY` of its own, unless `readiesWhen` says
    /// otherwise of the value read; such a body sends the `NOTIFY` itself, decided in SQL.
    func commitThenRead<T: Sendable>(
        _ workspace: WorkspaceID, readiesWhen readied: (@Sendable (T) -> Bool)? = nil,
        _ body: @escaping @Sendable (Connection) throws -> Sent<T>
    ) async throws -> T {
        let (owner, database) = (configuration.owner, database)
        let (value, events): (T, [RunEvent]) = try await bus.delivering { local in
            let sent = try await database.withWorkspace(workspace) { c -> Sent<T> in
                let sent = try body(c)
                if readied == nil { try RunTransitions.notifyWork(from: owner, c) }
                local.expect(runs: sent.runs)
                return sent
            }
            let (value, events) = try sent.read()
            return ((value, events), events)
        }
        // Other engines hear the NOTIFY; this one ignores its own echo and is woken here.
        if readied?(value) ?? true { wake() }
        if configuration.executionMode == .cloudTasks, let run = events.first?.runId { try? await dispatch(run, workspace) }
        return value
    }

    /// Enqueues a Cloud Task for every ready step of `run` (`cloud_tasks` mode).
    func dispatch(_ run: WorkflowRunID, _ workspace: WorkspaceID) async throws {
        guard let tasks, let base = configuration.publicBaseURL else { return }
        let ready = try await database.withWorkspace(workspace) { c in
            try RunTransitions.readySteps(run, c)
        }
        for (step, attempt, notBefore) in ready {
            _ = try await tasks.enqueue(
                taskId: "\(step)-\(attempt + 1)", url: base + "/internal/steps/run", body: ["step_id": .string(step.description)],
                audience: base, notBefore: notBefore)
        }
    }
}
