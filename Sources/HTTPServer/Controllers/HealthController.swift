import Hummingbird
import Persistence

/// `/health` (the process answers) and `/ready` (the database answers too).
struct HealthController: Sendable {
    let database: Database

    struct Status: ResponseEncodable {
        var status: String
        var db: String
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/health") { _, _ in ["status": "ok"] }
        router.get("/ready") { _, _ -> EditedResponse<Status> in
            do {
                _ = try await database.withConnection { try $0.query("SELECT 1") }
                return EditedResponse(status: .ok, response: Status(status: "ok", db: "ok"))
            } catch {
                return EditedResponse(status: .serviceUnavailable, response: Status(status: "unavailable", db: "unavailable"))
            }
        }
    }
}
