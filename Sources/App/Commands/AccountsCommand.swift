import Agents
import ArgumentParser
import Core
import Foundation
import Logging
import Persistence
import Providers

/// `tiktok-army accounts list|rotate-key`: connected accounts, against the database directly.
struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts", abstract: "Connected accounts: list them, rotate the key that seals their tokens.",
        subcommands: [List.self, RotateKey.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a workspace's connected accounts (never their tokens).")

        @OptionGroup var target: KeysCommand.Target

        func run() async throws {
            do {
                let (database, workspace) = try await target.open()
                let accounts = try await database.withWorkspace(workspace) { try AccountRepository.list(on: $0) }
                await database.shutdown()
                if accounts.isEmpty { print("no connected accounts: connect them on the dashboard's Accounts page") }
                for account in accounts {
                    let expiry = account.expiresAt.map { " · token until \(Timestamp.format($0))" } ?? ""
                    print(
                        "\(account.id.lowercasedString)  \(account.kind.rawValue)  \(account.handle)  \(account.status.rawValue)\(expiry)"
                    )
                }
            } catch let error as ValidationError {
                throw error
            } catch {
                Bootstrap.fail("\(error)")
            }
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Re-seal every account token under the current key.",
            discussion: """
                With TOKEN_ENCRYPTION_KEY: set it to the new key and TOKEN_ENCRYPTION_PREVIOUS_KEYS to the old one, run this, \
                restart the servers, then drop the old key. With the embedded default: a new key is generated into the data \
                folder (the old one kept in token-key.previous) and every token re-sealed; restart running servers.
                """)

        @OptionGroup var data: DataOptions

        func run() async throws {
            do {
                let settings = Bootstrap.settings(dataDir: data.dataDir)
                let logger = Bootstrap.logger(settings)
                let location = try await Bootstrap.database(settings, logger: logger, migrate: true)
                if settings.providers.tokenEncryptionKey == nil, location.embedded != nil {
                    try Bootstrap.replaceEmbeddedTokenKey(settings)
                }
                let cipher = try Bootstrap.tokenCipher(settings, location)
                let database = Bootstrap.pool(settings, location, size: 1, logger: logger)
                let service = AccountService(
                    database: database, authorizer: MockAccountAuthorizer(consentURL: "/accounts/mock-consent"), cipher: cipher,
                    logger: logger)
                let done = try await service.rotateKey()
                await database.shutdown()
                print("re-sealed \(done.resealed) account\(done.resealed == 1 ? "" : "s") under key \(cipher.keyId)")
                if done.unreadable > 0 {
                    print(
                        "\(done.unreadable) account\(done.unreadable == 1 ? "" : "s") sealed under a key no longer configured: connect them again"
                    )
                }
            } catch {
                Bootstrap.fail("\(error)")
            }
        }
    }
}
