import ArgumentParser
import Core
import Foundation
import Orchestrator

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run workflow steps without serving HTTP (another process on the same database shares the work).")

    @Option(help: "Lease owner name (default: host, pid and a random suffix).")
    var owner: String?

    @OptionGroup var data: DataOptions

    func run() async throws {
        let settings = Bootstrap.settings(dataDir: data.dataDir)
        let logger = Bootstrap.logger(settings)
        let runtime: Runtime
        do { runtime = try await Runtime.make(settings: settings, logger: logger, owner: owner) } catch { Bootstrap.fail("\(error)") }
        let loop = Task { await runtime.orchestration.run() }
        let signals = SignalWaiter()
        FileHandle.standardOutput.write(Data("worker \(runtime.orchestration.engine.configuration.owner) running\n".utf8))
        await signals.wait()
        loop.cancel()
        await loop.value
        await runtime.shutdown()
    }
}

/// Suspends until SIGINT or SIGTERM.
final class SignalWaiter: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]
    private let semaphore = DispatchSemaphore(value: 0)

    init() {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let semaphore = self.semaphore
        sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { semaphore.signal() }
            source.resume()
            return source
        }
    }

    func wait() async {
        let semaphore = self.semaphore
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                semaphore.wait()
                continuation.resume()
            }
        }
    }
}
