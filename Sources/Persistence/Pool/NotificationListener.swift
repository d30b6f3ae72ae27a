import Core
import Foundation
import Logging

/// What a listener subscriber receives.
public enum ListenerEvent: Sendable, Equatable {
    /// A `NOTIFY` on one of the listened channels.
    case notification(PGNotification)
    /// The listening connection was (re-)established; notifications may have been missed before
    /// it, so subscribers should catch up from the database.
    case reconnected
}

/// `LISTEN` on a fixed set of channels over one dedicated connection and thread, fanning each
/// notification out to every subscriber. Reconnects by itself after a connection loss.
public final class NotificationListener: @unchecked Sendable {
    private let url: String
    private let channels: [String]
    private let logger: Logger
    private let lock = NSLock()
    private var subscribers: [UUID: AsyncStream<ListenerEvent>.Continuation] = [:]
    private var stopped = false
    private var thread: Thread?

    public init(url: String, channels: [String], logger: Logger) {
        precondition(channels.allSatisfy { $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }, "channel names are identifiers")
        self.url = url
        self.channels = channels
        self.logger = logger
    }

    /// Starts the listening thread.
    public func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "pg-listener"
        lock.withLock { self.thread = thread }
        thread.start()
    }

    /// Stops listening and finishes every subscriber's stream.
    public func stop() {
        let streams = lock.withLock {
            stopped = true
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for stream in streams { stream.finish() }
    }

    /// A stream of events from now on; ends when the caller stops iterating or the listener stops.
    public func subscribe(bufferingNewest limit: Int = 10_000) -> AsyncStream<ListenerEvent> {
        let id = Crypto.randomUUID()
        let (stream, continuation) = AsyncStream<ListenerEvent>.makeStream(bufferingPolicy: .bufferingNewest(limit))
        continuation.onTermination = { [weak self] _ in
            self?.lock.withLock { _ = self?.subscribers.removeValue(forKey: id) }
        }
        lock.withLock { subscribers[id] = continuation }
        return stream
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func broadcast(_ event: ListenerEvent) {
        let streams = lock.withLock { Array(subscribers.values) }
        for stream in streams { stream.yield(event) }
    }

    private func loop() {
        var connection: Connection?
        var backoff = 0.1
        while !isStopped {
            do {
                if connection == nil {
                    let fresh = try Connection(url: url)
                    for channel in channels { try fresh.execute("LISTEN \(channel)") }
                    connection = fresh
                    backoff = 0.1
                    // Also the first time: a subscriber that read the tables before `LISTEN` took
                    // effect catches up on what was notified in between.
                    broadcast(.reconnected)
                }
                for notification in try connection!.notifications(waitSeconds: 0.25) {
                    broadcast(.notification(notification))
                }
            } catch {
                if connection != nil {
                    logger.warning("listener connection lost", metadata: ["error": "\(error)"])
                }
                connection = nil
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 2)
            }
        }
    }
}
