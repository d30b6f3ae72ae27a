import Core
import Hummingbird
import Logging

/// The HTTP application on a random loopback port inside this process, so in-process console
/// commands use exactly the API a remote one does.
public struct InProcessServer: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let base: String
    let task: Task<Void, any Error>

    /// Starts the application with `dependencies` on a free loopback port.
    public static func start(_ dependencies: ServerDependencies) async throws -> InProcessServer {
        var dependencies = dependencies
        dependencies.settings.host = "127.0.0.1"
        dependencies.settings.port = 0
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        // The console prints what the API answers; the server's own start and stop lines are noise there.
        var quiet = dependencies.logger
        quiet.logLevel = .critical
        let app = buildApplication(dependencies, serverLogger: quiet) { port in continuation.yield(port) }
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw AppError.internal("the in-process server did not start") }
        return InProcessServer(base: "http://127.0.0.1:\(port)", task: task)
    }

    /// Stops the server and waits for it.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
