import Core
import Persistence

extension WorkflowService {
    /// New comments on an account start a Post-Launch Loop for it unless one is already open
    /// (pending, running or awaiting approval); returns the started run, or nil when one was open.
    public func startPostLaunchLoopIfIdle(handle: String, workspace: WorkspaceID) async throws -> WorkflowRunID? {
        let brief = try await database.withWorkspace(workspace) { c -> BriefID? in
            if try RunRepository.hasOpenRun(workflow: "post_launch_loop", handle: handle, on: c) { return nil }
            return try BriefRepository.create(NewBrief(handle: handle, notes: "Started by new comments"), workspace: workspace, on: c).id
        }
        guard let brief else { return nil }
        return try await start(briefId: brief, workflowSlug: "post_launch_loop", workspace: workspace).run.id
    }
}
