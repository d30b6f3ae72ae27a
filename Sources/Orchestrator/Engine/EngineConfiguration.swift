import Core
import Foundation

/// How an engine runs.
public struct EngineConfiguration: Sendable {
    /// Identifies this process in step leases.
    public var owner: String
    public var maxConcurrentSteps: Int
    public var leaseSeconds: Int
    /// How often an idle engine looks for work it was not told about (backoffs, expired leases).
    public var pollInterval: Duration
    public var executionMode: ExecutionMode
    /// Where Cloud Tasks deliver steps (`PUBLIC_BASE_URL`), in `cloud_tasks` mode.
    public var publicBaseURL: String?
    /// On shutdown, how long in-flight steps may take to finish before they are cancelled and
    /// handed back (pending again, their attempt not counted) for another process to run.
    public var drainTimeout: Duration
    /// How long a computed step outcome is retried through a database outage before it is given
    /// up (the step is then taken over once its lease expires).
    public var outcomeRetryWindow: Duration
    /// How long claiming or recording may keep failing before the engine reports a stall.
    public var stallSeconds: Double

    public init(
        owner: String = EngineConfiguration.defaultOwner(), maxConcurrentSteps: Int = 16, leaseSeconds: Int = 30,
        pollInterval: Duration = .seconds(1),
        executionMode: ExecutionMode = .inline, publicBaseURL: String? = nil, drainTimeout: Duration = .seconds(10),
        outcomeRetryWindow: Duration = .seconds(300), stallSeconds: Double = 30
    ) {
        self.stallSeconds = stallSeconds
        self.owner = owner
        self.maxConcurrentSteps = maxConcurrentSteps
        self.leaseSeconds = leaseSeconds
        self.pollInterval = pollInterval
        self.executionMode = executionMode
        self.publicBaseURL = publicBaseURL
        self.drainTimeout = drainTimeout
        self.outcomeRetryWindow = outcomeRetryWindow
    }

    public static func defaultOwner() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(Crypto.randomUUID().lowercasedString.prefix(8))"
    }
}
