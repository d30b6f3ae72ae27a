import Agents
import Core
import Foundation

/// Runs' definition snapshots, decoded once per run (a snapshot never changes).
final class DefinitionCache: @unchecked Sendable {
    private let lock = NSLock()
    private var decoded: [WorkflowRunID: WorkflowDef] = [:]

    /// The run's snapshot, else the seeded definition of its slug.
    func definition(of run: WorkflowRun) throws -> WorkflowDef? {
        if let hit = lock.withLock({ decoded[run.id] }) { return hit }
        guard let snapshot = run.input["definition"] else { return SeededWorkflows.find(run.workflowSlug) }
        let definition = try snapshot.decode(WorkflowDef.self)
        lock.withLock {
            if decoded.count >= 1024 { decoded.removeAll(keepingCapacity: true) }
            decoded[run.id] = definition
        }
        return definition
    }
}
