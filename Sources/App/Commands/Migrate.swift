import ArgumentParser
import Core
import Persistence

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending migrations as the owner role (DATABASE_OWNER_URL, DATABASE_URL, or the embedded cluster).")

    @OptionGroup var data: DataOptions

    func run() async throws {
        let settings = Bootstrap.settings(dataDir: data.dataDir)
        let logger = Bootstrap.logger(settings)
        do {
            let migrator = try Bootstrap.migrator()
            if settings.databaseURL != nil {
                let url = settings.databaseOwnerURL ?? settings.databaseURL!
                let applied = try await Blocking.run { try migrator.migrate(on: try Connection(url: url)) }
                print(applied.isEmpty ? "schema is up to date" : "applied: " + applied.map(\.name).joined(separator: ", "))
            } else {
                let embedded = try EmbeddedPostgres(dataDir: settings.dataDir, logger: logger)
                let cluster = try await Blocking.run { try embedded.start() }
                let applied = try await Blocking.run { try migrator.migrate(on: try Connection(url: cluster.ownerURL)) }
                print(applied.isEmpty ? "schema is up to date" : "applied: " + applied.map(\.name).joined(separator: ", "))
            }
        } catch {
            Bootstrap.fail("\(error)")
        }
    }
}
