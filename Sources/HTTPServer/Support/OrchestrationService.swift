import Orchestrator
import ServiceLifecycle

/// Runs the orchestrator beside the HTTP server; stops with the server's graceful shutdown.
struct OrchestrationService: Service {
    let orchestration: Orchestration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await orchestration.run()
        }
    }
}
