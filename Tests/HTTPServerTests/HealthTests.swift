import Core
import Hummingbird
import HummingbirdTesting
import Logging
import Persistence
import Testing

@testable import HTTPServer

@Suite struct HealthTests {
    static func dependencies(database: Database) throws -> ServerDependencies {
        ServerDependencies(settings: try Settings(environment: [:]), database: database, logger: Logger(label: "test"))
    }

    @Test func readyAnswers200WhenTheDatabaseAnswers() async throws {
        let app = Application(router: buildRouter(try Self.dependencies(database: TestDatabase.database)))
        try await app.test(.router) { client in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONValue.parse(String(buffer: response.body))
                #expect(body["db"] == "ok")
            }
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func readyAnswers503WhenTheDatabaseIsDown() async throws {
        let unreachable = Database(url: "postgresql://nobody:x@127.0.0.1:1/none?connect_timeout=1", poolSize: 1)
        let app = Application(router: buildRouter(try Self.dependencies(database: unreachable)))
        try await app.test(.router) { client in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = try JSONValue.parse(String(buffer: response.body))
                #expect(body["db"] == "unavailable")
            }
        }
        await unreachable.shutdown()
    }
}
