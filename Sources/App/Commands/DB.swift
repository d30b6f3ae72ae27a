import ArgumentParser
import Core
import Persistence

struct DB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the embedded Postgres cluster.",
        subcommands: [Start.self, Stop.self, Status.self, URLCommand.self])

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start the embedded cluster and migrate it.")
        @OptionGroup var data: DataOptions
        func run() async throws {
            let cluster = try await DB.start(data, migrate: true)
            print("embedded Postgres running on 127.0.0.1:\(cluster.port) (\(cluster.root))")
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the embedded cluster.")
        @OptionGroup var data: DataOptions
        func run() async throws {
            let embedded = try DB.embedded(data)
            do { try await Blocking.run { try embedded.stop() } } catch { Bootstrap.fail("\(error)") }
            print("embedded Postgres stopped")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether the embedded cluster runs, and on which port.")
        @OptionGroup var data: DataOptions
        func run() async throws {
            let embedded = try DB.embedded(data)
            if let port = try embedded.runningPort() {
                print("running on 127.0.0.1:\(port) (\(embedded.root))")
            } else {
                print("stopped (\(embedded.root))")
                throw ExitCode(3)
            }
        }
    }

    struct URLCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "url", abstract: "Print the owner connection URL, starting the cluster if needed.")
        @OptionGroup var data: DataOptions
        @Flag(help: "Print the application role's URL instead of the owner's.")
        var app = false
        func run() async throws {
            let cluster = try await DB.start(data, migrate: true)
            print(app ? cluster.appURL : cluster.ownerURL)
        }
    }

    static func embedded(_ data: DataOptions) throws -> EmbeddedPostgres {
        let settings = Bootstrap.settings(dataDir: data.dataDir)
        do { return try EmbeddedPostgres(dataDir: settings.dataDir, logger: Bootstrap.logger(settings)) } catch {
            Bootstrap.fail("\(error)")
        }
    }

    static func start(_ data: DataOptions, migrate: Bool) async throws -> EmbeddedPostgres.Cluster {
        let embedded = try embedded(data)
        do {
            let migrator = migrate ? try Bootstrap.migrator() : nil
            return try await Blocking.run { try embedded.start(migrator: migrator) }
        } catch {
            Bootstrap.fail("\(error)")
        }
    }
}
