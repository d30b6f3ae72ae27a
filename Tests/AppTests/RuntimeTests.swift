import Core
import Foundation
import HTTPServer
import Logging
import Orchestrator
import Persistence
import ServiceLifecycle
import TestSupport
import Testing

@testable import App

/// The process wiring `serve` and `worker` use: settings to a runtime, the runtime to one
/// `ServiceGroup` that starts the pool first and stops it last.
@Suite struct RuntimeTests {
    /// Settings for a fresh database of the test cluster, as an operator would set them.
    static func settings() throws -> Settings {
        let urls = try TestDatabase.freshDatabase("app")
        let dataDir = NSTemporaryDirectory() + "app-tests-" + UUID().uuidString
        return try Settings(environment: [
            "DATABASE_URL": urls.app, "DATABASE_OWNER_URL": urls.owner, "TOKEN_ENCRYPTION_KEY": TokenCipher.generateKey(),
            "DATA_DIR": dataDir, "MIGRATIONS_DIR": TestDatabase.repositoryRoot + "/migrations", "STEP_LEASE_SECONDS": "30",
        ])
    }

    /// Stands where the HTTP server stands (last): records whether the pool still answered when it
    /// was asked to shut down.
    final class Probe: Service, @unchecked Sendable {
        let database: Database
        let started = Latch()
        let poolAnsweredAtShutdown = Locked<Bool?>(nil)
        init(database: Database) { self.database = database }

        func run() async throws {
            started.open()
            try? await gracefulShutdown()
            let answered = (try? await database.withConnection { try $0.query("SELECT 1 AS one").first!.int("one") }) == 1
            poolAnsweredAtShutdown.value = answered
        }
    }

    @Test func theProcessStartsThePoolFirstAndTheServerLast() async throws {
        let runtime = try await Runtime.make(settings: try Self.settings(), logger: Logger(label: "app-test"))
        let probe = Probe(database: runtime.database)
        let order = runtime.services(serving: [probe]).map { String(describing: type(of: $0)) }
        #expect(order == ["Database", "NotificationListener", "EventBus", "WorkflowEngine", "BackgroundJobs", "Probe"])
        await runtime.database.shutdown()
    }

    @Test func aRunStartedInTheGroupCompletesAndShutdownClosesThePoolAfterEverythingElse() async throws {
        let runtime = try await Runtime.make(settings: try Self.settings(), logger: Logger(label: "app-test"))
        let probe = Probe(database: runtime.database)
        let group = runtime.group(serving: [probe], signals: [])
        let task = Task { try await group.run() }
        try await eventually("the probe started") { probe.started.isOpen }

        let (workspace, _) = try await TestDatabase.workspace(in: runtime.database)
        let brief = try await runtime.database.withWorkspace(workspace) {
            try BriefRepository.create(NewBrief(handle: "@glowco", inputs: ["competitors": ["@rival_brand"]]), workspace: workspace, on: $0)
        }
        let started = try await runtime.orchestration.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace)
        try await eventually("the audit finished", within: .seconds(240), every: .milliseconds(100)) {
            try await runtime.database.withWorkspace(workspace) { try RunRepository.find(started.run.id, on: $0)?.status.isTerminal }
                == true
        }
        let run = try await runtime.database.withWorkspace(workspace) { try RunRepository.find(started.run.id, on: $0) }
        #expect(run?.status == .succeeded, "the engine, listener and bus of the group ran it: \(run?.error ?? "")")

        await group.triggerGracefulShutdown()
        try await task.value
        #expect(probe.poolAnsweredAtShutdown.value == true, "the server stops while the pool is still open")
        await #expect(throws: (any Error).self, "the pool is closed once the group has stopped") {
            _ = try await runtime.database.withConnection { try $0.query("SELECT 1") }
        }
    }

    @Test func anExternalDatabaseWithoutATokenKeyIsRefusedNamingTheSetting() throws {
        let settings = try Settings(environment: ["DATABASE_URL": "postgres://app@127.0.0.1/db"])
        let location = Bootstrap.DatabaseLocation(appURL: "postgres://app@127.0.0.1/db")
        #expect {
            _ = try Bootstrap.tokenCipher(settings, location)
        } throws: { error in
            "\(error)".contains("TOKEN_ENCRYPTION_KEY")
        }
    }

    @Test func theDevelopmentKeyIsSavedOnceAndReusedWhileItResolves() async throws {
        let database = TestDatabase.database
        let dataDir = NSTemporaryDirectory() + "dev-key-" + UUID().uuidString
        let first = try await DevWorkspace.key(database: database, dataDir: dataDir)
        let second = try await DevWorkspace.key(database: database, dataDir: dataDir)
        #expect(first == second && first.hasPrefix(WorkspaceRepository.keyPrefix))
        let mode = try FileManager.default.attributesOfItem(atPath: dataDir + "/dev-api-key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try "tta_revoked_or_unknown".write(toFile: dataDir + "/dev-api-key", atomically: true, encoding: .utf8)
        let third = try await DevWorkspace.key(database: database, dataDir: dataDir)
        #expect(third != first && third != "tta_revoked_or_unknown", "a key that no longer resolves is replaced")
    }
}
