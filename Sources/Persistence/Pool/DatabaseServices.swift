import ServiceLifecycle

extension Database: Service {
    /// Keeps the pool open until the group shuts down, then closes it. Listed before the services
    /// that use it, so a `ServiceGroup` closes it after them.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }
}

extension NotificationListener: Service {
    /// Listens until the group shuts down (or the task is cancelled), then stops and finishes
    /// every subscriber's stream.
    public func run() async throws {
        start()
        try? await gracefulShutdown()
        stop()
    }
}
