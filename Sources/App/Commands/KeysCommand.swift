import ArgumentParser
import Core
import Foundation
import Persistence

/// `tiktok-army keys create|list|revoke`: a workspace's API keys, against its database directly.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage a workspace's API keys (roles: admin, operator, viewer).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Target: ParsableArguments {
        @Option(help: "The workspace id (default: the dev workspace of the data folder).")
        var workspace: String?

        @OptionGroup var data: DataOptions

        /// The database and the workspace to act in.
        func open() async throws -> (Database, WorkspaceID) {
            let settings = Bootstrap.settings(dataDir: data.dataDir)
            let logger = Bootstrap.logger(settings)
            let location = try await Bootstrap.database(settings, logger: logger, migrate: true)
            let database = Bootstrap.pool(settings, location, size: 1, logger: logger)
            if let workspace {
                guard let id = WorkspaceID(workspace) else { throw ValidationError("--workspace must be a workspace id (a UUID)") }
                return (database, id)
            }
            let key = try await DevWorkspace.key(database: database, dataDir: settings.dataDir)
            guard let principal = try await database.withConnection({ try WorkspaceRepository.principal(forKey: key, on: $0) }) else {
                throw ValidationError("no dev workspace: pass --workspace")
            }
            return (database, principal.workspaceId)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key (the plaintext is shown once, stored hashed).")

        @Argument(help: "A name for the key, shown on the decisions it makes.")
        var name: String

        @Option(help: "admin, operator or viewer.")
        var role: String = "operator"

        @OptionGroup var target: Target

        func validate() throws {
            guard (1...100).contains(name.count) else { throw ValidationError("NAME must be 1 to 100 characters") }
            guard KeyRole(rawValue: role) != nil else { throw ValidationError("--role must be admin, operator or viewer") }
        }

        func run() async throws {
            do {
                let (database, workspace) = try await target.open()
                let (name, role) = (self.name, KeyRole(rawValue: role)!)
                let issued = try await database.withWorkspace(workspace) {
                    try WorkspaceRepository.issueKey(workspace: workspace, name: name, role: role, on: $0)
                }
                await database.shutdown()
                print("key \(name) (\(role.rawValue)) \(issued.id)")
                print("api key (shown once): \(issued.plaintext)")
            } catch let error as ValidationError {
                throw error
            } catch {
                Bootstrap.fail("\(error)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the workspace's keys.")

        @OptionGroup var target: Target

        func run() async throws {
            do {
                let (database, workspace) = try await target.open()
                let keys = try await database.withWorkspace(workspace) { try WorkspaceRepository.keys(on: $0) }
                await database.shutdown()
                for key in keys {
                    let state = key.revokedAt.map { "revoked \(Timestamp.format($0).prefix(10))" } ?? "active"
                    print(
                        "\(key.id)  \(key.keyPrefix)…  \(key.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \(state.padding(toLength: 18, withPad: " ", startingAt: 0))  \(key.name)"
                    )
                }
            } catch {
                Bootstrap.fail("\(error)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key; every process refuses it at once, with its sessions.")

        @Argument(help: "The key id.")
        var id: String

        @OptionGroup var target: Target

        func run() async throws {
            guard let key = APIKeyID(id) else { throw ValidationError("ID must be a key id (a UUID)") }
            do {
                let (database, workspace) = try await target.open()
                let revoked = try await database.withWorkspace(workspace) { try WorkspaceRepository.revokeKey(key, on: $0) }
                await database.shutdown()
                guard revoked else { Bootstrap.fail("no live key \(key) in workspace \(workspace)") }
                print("revoked \(key)")
            } catch {
                Bootstrap.fail("\(error)")
            }
        }
    }
}
