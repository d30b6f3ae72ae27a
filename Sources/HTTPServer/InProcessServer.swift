import Core
import Hummingbird
import Logging
import ServiceLifecycle

/// The HTTP application on a random loopback port inside this process, so in-process console
/// commands use exactly the API a remote one does.
public struct InProcessServer: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let base: String
    let group: ServiceGroup
    let task: Task<Void, any Error>

    /// Starts the application with `dependencies` on a free loopback port, in one `ServiceGroup`
    /// after `services` (by default the orchestrator's; a console passes the process's whole list).
    public static func start(_ dependencies: ServerDependencies, after services: [any Service]? = nil) async throws -> InProcessServer {
        var dependencies = dependencies
        dependencies.settings.host = "127.0.0.1"
        dependencies.settings.port = 0
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        // The console prints what the API answers; the server's own start and stop lines are noise there.
        var quiet = dependencies.logger
        quiet.logLevel = .critical
        let app = buildApplication(dependencies, serverLogger: quiet) { port in continuation.yield(port) }
        let group = ServiceGroup(
            configuration: .init(services: (services ?? dependencies.orchestration.services) + [app], logger: quiet))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw AppError.internal("the in-process server did not start") }
        return InProcessServer(base: "http://127.0.0.1:\(port)", group: group, task: task)
    }

    /// Shuts the services down gracefully, in reverse order, and waits for them.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
