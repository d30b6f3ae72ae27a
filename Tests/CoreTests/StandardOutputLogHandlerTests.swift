import Core
import Foundation
import Logging
import Testing

/// The lines swift-log's `StreamLogHandler` writes, the timestamp left out.
@Suite struct StandardOutputLogHandlerTests {
    final class Lines: TextOutputStream, @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func write(_ string: String) { lock.withLock { text += string } }
        var withoutTimestamps: [String] {
            lock.withLock { text.split(separator: "\n").map { String($0.drop { $0 != " " }) } }
        }
    }

    @Test func itWritesWhatStreamLogHandlerWritesWithTheMetadataSetBeforeAndGivenAtTheLine() {
        let ours = Lines()
        let theirs = Lines()
        var loggers = [
            Logger(label: "tiktok-army") { StandardOutputLogHandler(label: $0, stream: ours) },
            Logger(label: "tiktok-army") { StreamLogHandler(label: $0, stream: theirs, metadataProvider: nil) },
        ]
        for index in loggers.indices {
            loggers[index][metadataKey: "request_id"] = "r-1"
            loggers[index][metadataKey: "workspace_id"] = .stringConvertible(42)
            loggers[index][metadataKey: "gone"] = "x"
            loggers[index][metadataKey: "gone"] = nil
            loggers[index].info("no extra")
            loggers[index].error("request failed", metadata: ["error": "boom", "request_id": "r-2"])
            loggers[index].debug("below the level")
            loggers[index].logLevel = .debug
            loggers[index].debug("at the level", source: "Tests")
        }
        #expect(loggers[0][metadataKey: "workspace_id"]?.description == "42")
        #expect(ours.withoutTimestamps == theirs.withoutTimestamps)
        #expect(
            ours.withoutTimestamps == [
                " info tiktok-army: request_id=r-1 workspace_id=42 [CoreTests] no extra",
                " error tiktok-army: error=boom request_id=r-2 workspace_id=42 [CoreTests] request failed",
                " debug tiktok-army: request_id=r-1 workspace_id=42 [Tests] at the level",
            ])
    }
}
