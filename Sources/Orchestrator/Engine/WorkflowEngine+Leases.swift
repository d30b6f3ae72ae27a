import Core
import Persistence

extension WorkflowEngine {
    /// Starts the lease keeper: every third of `leaseSeconds` it renews the lease of every step
    /// this process runs, one statement per workspace, and cancels the work of a step whose lease
    /// passed to another worker. It stops when no step runs here.
    func keepLeases() {
        let interval = Duration.seconds(max(1, configuration.leaseSeconds / 3))
        Task { [self] in
            while true {
                try? await Task.sleep(for: interval)
                guard let held = await state.leased() else { return }
                await renewLeases(held)
            }
        }
    }

    /// Renews the leases of `held`, one transaction per workspace. A step not renewed is
    /// cancelled; an unreachable database leaves every step running until the next round.
    func renewLeases(_ held: [WorkspaceID: [Claim]]) async {
        let owner = configuration.owner
        let leaseSeconds = configuration.leaseSeconds
        for (workspace, claims) in held {
            let steps = claims.map(\.step)
            let renew: @Sendable (Connection) throws -> Set<WorkflowStepID> = {
                try RunTransitions.renewLeases(steps, owner: owner, leaseSeconds: leaseSeconds, $0)
            }
            guard let kept = try? await database.withWorkspace(workspace, renew) else { continue }
            let lost = claims.filter { !kept.contains($0.step) }
            if !lost.isEmpty {
                logger.warning("lost the lease of running steps; they are cancelled", metadata: ["count": "\(lost.count)"])
                await state.leasesLost(lost)
            }
        }
    }
}
