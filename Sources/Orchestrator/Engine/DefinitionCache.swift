import Agents
import Core
import Foundation

/// Runs' definition snapshots, decoded once per distinct snapshot (a snapshot never changes, and
/// the runs of one workflow nearly always share one): each run points at the decoded definition
/// its snapshot is equal to, so a thousand runs of a workflow hold it once.
final class DefinitionCache: @unchecked Sendable {
    private let lock = NSLock()
    private var byRun: [WorkflowRunID: WorkflowDef] = [:]
    private var bySnapshot: [JSONValue: WorkflowDef] = [:]
    /// The most runs, and distinct snapshots, held before the cache starts again.
    static let runCapacity = 1024
    static let snapshotCapacity = 64

    /// The run's snapshot, else the seeded definition of its slug.
    func definition(of run: WorkflowRun) throws -> WorkflowDef? {
        if let hit = lock.withLock({ byRun[run.id] }) { return hit }
        guard let snapshot = run.input["definition"] else { return SeededWorkflows.find(run.workflowSlug) }
        let definition = try lock.withLock({ bySnapshot[snapshot] }) ?? snapshot.decode(WorkflowDef.self)
        lock.withLock {
            if byRun.count >= Self.runCapacity { byRun.removeAll(keepingCapacity: true) }
            if bySnapshot[snapshot] == nil {
                if bySnapshot.count >= Self.snapshotCapacity { bySnapshot.removeAll(keepingCapacity: true) }
                bySnapshot[snapshot] = definition
            }
            byRun[run.id] = definition
        }
        return definition
    }

    /// Distinct decoded snapshots held now.
    var snapshots: Int { lock.withLock { bySnapshot.count } }
}
