import Core
import Persistence
import ServiceLifecycle

extension WorkflowEngine: Service {
    /// Follows the control notices and runs the claim loop (inline mode) until the group shuts
    /// down; the loop then drains its in-flight steps and hands back the rest (see `work()`).
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            if let control { group.addTask { await self.follow(control) } }
            if configuration.executionMode == .inline {
                await cancelWhenGracefulShutdown { await self.work() }
            } else {
                try? await gracefulShutdown()
            }
            group.cancelAll()
        }
    }

    /// Consumes control notifications (`work:<owner>`, `cancel:<run>:<workspace>`) until the stream ends.
    public func follow(_ notifications: AsyncStream<ListenerEvent>) async {
        for await item in notifications {
            guard case .notification(let note) = item, note.channel == RunTransitions.controlChannel else {
                if case .reconnected = item { wake() }
                continue
            }
            if note.payload == "work" || note.payload.hasPrefix("work:") {
                // This engine's own commits woke it already.
                if note.payload != "work:" + configuration.owner { wake() }
            } else if note.payload.hasPrefix("cancel:") {
                let parts = note.payload.split(separator: ":").map(String.init)
                guard parts.count == 3, let run = WorkflowRunID(parts[1]), let workspace = WorkspaceID(parts[2]) else { continue }
                // A late notice must not cancel work of a run that was retried since.
                let ended =
                    (try? await database.withWorkspace(workspace) { try RunRepository.find(run, on: $0)?.status.isTerminal }) ?? true
                if ended != false { await state.cancel(run) }
            }
        }
    }
}
