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
        FileHandle.standardOutput.write(Data("worker \(runtime.orchestration.engine.configuration.owner) running\n".utf8))
        do {
            try await runtime.run()
        } catch {
            logger.error("worker stopped", metadata: ["error": "\(error)"])
        }
    }
}
