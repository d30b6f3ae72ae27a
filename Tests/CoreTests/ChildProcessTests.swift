import Core
import Foundation
import Testing

@Suite struct ChildProcessTests {
    @Test func stoppingAProgramEndsItWithSIGTERM() throws {
        let child = try ChildProcess.start(["sleep", "30"], environment: [:])
        #expect(child.stop(grace: .seconds(10)) == 128 + 15)
    }

    @Test func stoppingAProgramThatIgnoresSIGTERMKillsItAfterTheGrace() throws {
        let ready = NSTemporaryDirectory() + "trap-\(UUID().uuidString)"
        defer { unlink(ready) }
        let child = try ChildProcess.start(["sh", "-c", "trap '' TERM; touch \(ready); while :; do sleep 0.1; done"], environment: [:])
        for _ in 0..<1000 where !FileManager.default.fileExists(atPath: ready) { usleep(10_000) }
        #expect(child.stop(grace: .milliseconds(300)) == 128 + 9)
    }
}
