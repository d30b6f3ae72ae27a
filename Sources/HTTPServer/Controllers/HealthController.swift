import Core
import Foundation
import Hummingbird
import Orchestrator
import Persistence

/// `/health` (the process answers), `/ready` (the database answers and the engine has not been
/// failing to claim or record steps for longer than `ENGINE_STALL_SECONDS`) and `/metrics`, which
/// shows totals across workspaces and so answers only `Authorization: Bearer $METRICS_TOKEN`
/// (404 when no token is configured).
struct HealthController: Sendable {
    let database: Database
    let metrics: ServerMetrics
    let metricsToken: String?
    let engine: EngineHealth

    func addRoutes(to router: Router<AppContext>) {
        router.get("/health") { _, _ in HTTPJSON.response(["status": "ok"]) }
        router.get("/ready") { _, _ in
            do {
                try await database.ping()
                if let stall = engine.stall() {
                    return HTTPJSON.response(
                        ["status": "unavailable", "db": "ok", "engine": "stalled", "reason": .string(stall.reason(at: Date()))],
                        status: .serviceUnavailable)
                }
                return HTTPJSON.response(["status": "ok", "db": "ok", "engine": "ok"])
            } catch {
                return HTTPJSON.response(["status": "unavailable", "db": "unavailable"], status: .serviceUnavailable)
            }
        }
        router.get("/metrics") { request, _ in
            guard let metricsToken else { throw AppError.notFound("metrics are off: set METRICS_TOKEN to serve them") }
            let sent = AuthMiddleware.bearer(request) ?? ""
            guard Crypto.constantTimeEqual(Array(sent.utf8), Array(metricsToken.utf8)) else {
                throw AppError.unauthorized("send Authorization: Bearer <METRICS_TOKEN>")
            }
            let stats = database.pool.stats
            metrics.set("tiktok_db_pool_connections", Double(stats.open), labels: [("state", "open")], help: "Pooled database connections")
            metrics.set("tiktok_db_pool_connections", Double(stats.idle), labels: [("state", "idle")], help: "Pooled database connections")
            metrics.set("tiktok_db_pool_waiting", Double(stats.waiting), help: "Requests waiting for a connection")
            if let backlog = try? await database.withConnection({ try OutboxRepository.backlog(on: $0) }) {
                metrics.set(
                    "tiktok_outbox_backlog", Double(backlog.reduce(0) { $0 + $1.count }),
                    help: "Audit events waiting for the relay")
            }
            if let rows = try? await database.withUnscopedTransaction({ try InsightRepository.metricsSnapshot(on: $0) }) {
                for (metric, label, value) in rows {
                    switch metric {
                    case "runs": metrics.set("tiktok_workflow_runs", value, labels: [("status", label)], help: "Workflow runs by status")
                    case "claude_tokens":
                        metrics.set("tiktok_claude_tokens", value, labels: [("kind", label)], help: "Claude tokens traced")
                    default: metrics.set("tiktok_claude_cost_usd", value, help: "Claude cost traced (USD)")
                    }
                }
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: .init(bytes: metrics.registry.emitToBuffer())))
        }
    }
}
