import Logging

/// swift-log's `StreamLogHandler` on standard output, the same lines, with the logger's own
/// metadata formatted only when a line is written. `StreamLogHandler` formats all of a logger's
/// metadata again each time a key is set, and a request's logger gets its request id and
/// workspace set on every request, most of which log nothing.
public struct StandardOutputLogHandler: LogHandler {
    private var output: StreamLogHandler
    public var metadata: Logger.Metadata = [:]

    /// A handler for the logger `label`, with swift-log's process-wide metadata provider;
    /// `stream` stands in for standard output.
    public init(label: String, stream: (any TextOutputStream & Sendable)? = nil) {
        output = stream.map { StreamLogHandler(label: label, stream: $0) } ?? .standardOutput(label: label)
    }

    public var logLevel: Logger.Level {
        get { output.logLevel }
        set { output.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { output.metadataProvider }
        set { output.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty { event.metadata = metadata.merging(event.metadata ?? [:]) { $1 } }
        output.log(event: event)
    }
}
