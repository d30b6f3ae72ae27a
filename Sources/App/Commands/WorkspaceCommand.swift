import ArgumentParser
import Core
import Foundation
import Persistence

struct WorkspaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workspace", abstract: "Manage workspaces.", subcommands: [Create.self, Subscribe.self])

    struct Subscribe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliver a Pub/Sub push subscription's messages to a workspace.")

        @Argument(help: "The workspace id.")
        var workspace: String

        @Argument(help: "projects/PROJECT/subscriptions/NAME")
        var subscription: String

        @OptionGroup var data: DataOptions

        func validate() throws {
            guard WorkspaceID(workspace) != nil else { throw ValidationError("WORKSPACE must be a workspace id (a UUID)") }
            guard subscription.wholeMatch(of: /projects\/[^\/]+\/subscriptions\/[^\/]+/) != nil else {
                throw ValidationError("SUBSCRIPTION must be projects/PROJECT/subscriptions/NAME")
            }
        }

        func run() async throws {
            let settings = Bootstrap.settings(dataDir: data.dataDir)
            do {
                let logger = Bootstrap.logger(settings)
                let location = try await Bootstrap.database(settings, logger: logger, migrate: true)
                let database = Bootstrap.pool(settings, location, size: 1, logger: logger)
                let (id, subscription) = (WorkspaceID(workspace)!, self.subscription)
                try await database.withWorkspace(id) { try WorkspaceRepository.mapSubscription(subscription, workspace: id, on: $0) }
                let mapped = try await database.withConnection { try WorkspaceRepository.workspace(forSubscription: subscription, on: $0) }
                await database.shutdown()
                guard mapped == id else { Bootstrap.fail("\(subscription) already delivers to workspace \(mapped?.description ?? "?")") }
                print("\(subscription) -> workspace \(id)")
            } catch {
                Bootstrap.fail("\(error)")
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a workspace and an API key (shown once, stored hashed).")

        @Argument(help: "The workspace's name.")
        var name: String

        @Flag(help: "Print {\"workspace_id\", \"api_key\"} as JSON.")
        var json = false

        @OptionGroup var data: DataOptions

        func validate() throws {
            guard (1...200).contains(name.count) else { throw ValidationError("NAME must be 1 to 200 characters") }
        }

        func run() async throws {
            let settings = Bootstrap.settings(dataDir: data.dataDir)
            let logger = Bootstrap.logger(settings)
            do {
                let location = try await Bootstrap.database(settings, logger: logger, migrate: true)
                let database = Bootstrap.pool(settings, location, size: 1, logger: logger)
                let id = WorkspaceID(Crypto.randomUUID())
                let name = self.name
                let (workspace, key) = try await database.withWorkspace(id) { try WorkspaceRepository.create(id: id, name: name, on: $0) }
                await database.shutdown()
                if json {
                    let object: JSONValue = ["workspace_id": .string(workspace.id.description), "api_key": .string(key.plaintext)]
                    print(object.jsonString)
                } else {
                    print("workspace \(workspace.name): \(workspace.id)")
                    print("api key (shown once): \(key.plaintext)")
                }
            } catch {
                Bootstrap.fail("\(error)")
            }
        }
    }
}
