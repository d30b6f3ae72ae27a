import Agents
import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Orchestrator
import Persistence

/// Workflow definitions, runs, cancel/retry, the SSE stream and the trace drilldown.
struct WorkflowsController: Sendable {
    let dependencies: ServerDependencies
    var database: Database { dependencies.database }
    var service: WorkflowService { dependencies.service }

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("workflows/runs") { request, context in try await listRuns(request, context) }
        group.get("workflows/runs/{id}/stream") { request, context in try await stream(request, context) }
        group.post("workflows") { request, context in
            let principal = try context.requirePrincipal()
            let definition = try WorkflowService.editorDefinition(.object(try await HTTPJSON.object(request)))
            let stored = try await service.create(definition, workspace: principal.workspaceId)
            return HTTPJSON.response(try Self.definitionJSON(definition).merging(["version": .number(stored.version)]), status: .created)
        }
        group.post("workflows/preview") { request, context in
            _ = try context.requirePrincipal()
            let body = JSONValue.object(try await HTTPJSON.object(request))
            do {
                let definition = try WorkflowService.editorDefinition(body)
                return HTTPJSON.response(["valid": true, "error": .null, "dag": .string(Self.previewDAG(definition))])
            } catch let error as AppError where error.status == 400 {
                return HTTPJSON.response(["valid": false, "error": .string(error.message), "dag": .null])
            }
        }
        group.put("workflows/{slug}") { request, context in
            let principal = try context.requirePrincipal()
            let definition = try WorkflowService.editorDefinition(.object(try await HTTPJSON.object(request)))
            let stored = try await service.update(try context.parameter("slug"), with: definition, workspace: principal.workspaceId)
            return HTTPJSON.response(try Self.definitionJSON(definition).merging(["version": .number(stored.version)]))
        }
    }

    /// The DAG of a definition being edited, every step drawn as what it is.
    static func previewDAG(_ definition: WorkflowDef) -> String {
        let nodes = Dictionary(
            definition.steps.map { step in
                (
                    step.key,
                    Charts.Node(
                        key: step.key, label: step.key, status: step.kind.rawValue, detail: step.kind == .agent ? step.agent : "",
                        agentRunId: nil)
                )
            }, uniquingKeysWith: { first, _ in first })
        return Charts.dag(definition: definition, nodes: nodes)
    }

    static func definitionJSON(_ definition: WorkflowDef) throws -> JSONValue {
        let levels = definition.levels()
        return try JSONValue.from(definition).merging(["levels": .object(levels.mapValues { .number($0) })])
    }

    /// A listed run as the run list's SQL builds it (`RunRepository.listJSON`, passed through):
    /// `has_report` instead of the report, the brief as stored, and no null fields at any depth
    /// (a run without a brief has no `brief`). `RunsAndSpendTests` holds the two equal, and the
    /// contract suite holds both this and the generated `Run` to the document.
    static func listedRunJSON(_ run: WorkflowRun) -> JSONValue {
        func withoutNulls(_ value: JSONValue) -> JSONValue? {
            switch value {
            case .null: nil
            case .object(let fields): .object(fields.compactMapValues(withoutNulls))
            case .array(let items): .array(items.map { withoutNulls($0) ?? .null })
            default: value
            }
        }
        guard case .object(var object) = run.json else { return [:] }
        object["brief"] = run.input["brief"].flatMap(withoutNulls)
        object["input"] = nil
        object["report_md"] = nil
        object["has_report"] = .bool(run.reportMd != nil)
        return .object(object)
    }

    static func stepJSON(_ step: WorkflowStep) -> JSONValue {
        guard case .object(var object) = (try? JSONValue.from(step)) ?? [:] else { return [:] }
        object["lease_owner"] = nil
        object["lease_expires_at"] = nil
        return .object(object)
    }

    func listRuns(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        // The workspace's workflows are read only to check a workflow filter (one transaction less per page).
        let filtersWorkflow = !(request.query("workflow")?.trimmingCharacters(in: .whitespaces).isEmpty ?? true)
        let slugs = filtersWorkflow ? try await service.definitions(workspace: principal.workspaceId).map(\.slug) : []
        let filter = try RunQuery.filter(request, workflows: slugs)
        let limit = try request.limit()
        let cursor = request.query("cursor")
        // Postgres builds the page's JSON and it passes through (the shape of `listedRunJSON`).
        let page = try await RunRepository.listJSON(filter, limit: limit, cursor: cursor, workspace: principal.workspaceId, in: database)
        let next = page.nextCursor.map { JSONValue.string($0).jsonString } ?? "null"
        return HTTPJSON.response(raw: "{\"items\":\(page.items),\"next_cursor\":\(next)}")
    }

    /// Server-sent events: each event with `id:` (its sequence), history first, `Last-Event-ID` (or
    /// `?after=`) resumes after it, keep-alive comments while idle, ends after `workflow_run.completed`.
    /// Each write is awaited, so a slow client only slows its own reads.
    func stream(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try context.id("id", as: WorkflowRun.self)
        guard try await database.withWorkspace(principal.workspaceId, { try RunRepository.find(id, on: $0) }) != nil else {
            throw AppError.notFound("run \(id) not found")
        }
        var after = 0
        if let resume = request.headers[HTTPField.Name("last-event-id")!] ?? request.query("after") {
            guard let seq = Int(resume), seq >= 0 else { throw AppError.invalidInput("Last-Event-ID must be a non-negative integer") }
            after = seq
        }
        let subscription = dependencies.bus.subscribe(id, workspace: principal.workspaceId, after: after, keepAlive: .seconds(15))
        let gauge = dependencies.metrics.sseClients
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", HTTPField.Name("x-accel-buffering")!: "no",
            ],
            body: .init { writer in
                gauge.increment()
                defer { gauge.decrement() }
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                for try await item in subscription {
                    switch item {
                    case .keepAlive: try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    case .event(let event): try await writer.write(ByteBuffer(string: Self.sse(event)))
                    }
                }
                try await writer.finish(nil)
            })
    }

    static func sse(_ event: RunEvent) -> String {
        let data = JSONValue.object([
            "seq": .number(event.seq), "run_id": .string(event.runId.description), "event": .string(event.event.rawValue),
            "data": event.data, "created_at": .string(Timestamp.format(event.createdAt)),
        ])
        return "id: \(event.seq)\nevent: \(event.event.rawValue)\ndata: \(data.jsonString)\n\n"
    }
}
