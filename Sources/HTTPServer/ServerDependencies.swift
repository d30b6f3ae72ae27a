import Core
import Logging
import Persistence

/// Everything the HTTP layer needs, built once by the executable and passed in.
public struct ServerDependencies: Sendable {
    public var settings: Settings
    public var database: Database
    public var logger: Logger
    public var clock: Clock

    public init(settings: Settings, database: Database, logger: Logger, clock: Clock = .system) {
        self.settings = settings
        self.database = database
        self.logger = logger
        self.clock = clock
    }
}
