import Agents
import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Orchestrator
import Persistence

/// The workflow list, the run form, the run list and the run page with its live DAG and report.
extension DashboardController {
    func workflows(_ request: Request, _ principal: Principal) async throws -> Page {
        let definitions = try await dependencies.service.definitions(workspace: principal.workspaceId)
        var items: [[String: Any]] = []
        for definition in definitions {
            let template = WorkflowService.isTemplate(definition.slug)
            items.append([
                "name": definition.name, "slug": definition.slug, "description": definition.description,
                "dag": WorkflowsController.previewDAG(definition), "template": template,
                "version": try await dependencies.service.version(definition.slug, workspace: principal.workspaceId) ?? 1,
            ])
        }
        let flash: String? =
            switch request.query("done") {
            case "saved": "The workflow was saved."
            case "deleted": "The workflow was deleted."
            default: nil
            }
        return Page(
            title: "Workflows",
            body: Templates.render(
                "workflows",
                [
                    "templates": items.filter { $0["template"] as? Bool == true },
                    "custom": items.filter { $0["template"] as? Bool == false },
                ]),
            flash: flash)
    }

    /// The editor, on a copy of `from` (a template or a workspace workflow), on `slug` to edit it,
    /// or empty.
    func workflowEditor(_ principal: Principal, csrf: String, from: String?, editing slug: String?) async throws -> Page {
        var initial: JSONValue = ["slug": "", "name": "", "description": "", "steps": [["key": "first_step", "agent": "profile_auditor"]]]
        if let source = slug ?? from {
            let definition = try await dependencies.service.definition(source, workspace: principal.workspaceId)
            initial = try JSONValue.from(definition)
            if slug == nil {
                initial = initial.merging(["slug": .string(definition.slug + "_copy"), "name": .string(definition.name + " (copy)")])
            }
        }
        if let slug, WorkflowService.isTemplate(slug) {
            throw AppError.conflict("\(slug) is a read-only template; copy it to a new workflow to change it")
        }
        let agents: [JSONValue] =
            Catalog.specs.map { ["value": .string($0.name), "label": .string($0.title)] }
            + [
                ["value": .string(WorkflowStepDef.approvalNode), "label": "Human approval"],
                ["value": .string(WorkflowStepDef.synthesisNode), "label": "Report (synthesis)"],
            ]
        return Page(
            title: slug.map { "Edit workflow \($0)" } ?? "New workflow",
            body: Templates.render(
                "workflowEditor",
                [
                    "csrf": csrf, "initial": initial.jsonString, "agents": JSONValue.array(agents).jsonString, "editing": slug ?? "",
                    "isEditing": slug != nil,
                ]))
    }

    func runForm(_ request: Request, _ principal: Principal, _ csrf: String) async throws -> Page {
        let list = try await database.withWorkspace(principal.workspaceId) {
            try BriefRepository.list(limit: 50, cursor: nil, on: $0).items
        }
        let definitions = try await dependencies.service.definitions(workspace: principal.workspaceId)
        let chosenBrief = request.query("brief_id")
        let chosenWorkflow = request.query("workflow") ?? "profile_audit"
        return Page(
            title: "Start a run",
            body: Templates.render(
                "runForm",
                [
                    "csrf": csrf, "empty": list.isEmpty,
                    "briefs": list.map { brief -> [String: Any] in
                        let about = [
                            Self.targetLabel(brief.targetType), brief.notes.map { String($0.prefix(40)) }, Self.when(brief.createdAt),
                        ]
                        return [
                            "id": brief.id.description, "label": ([brief.handle] + about.compactMap { $0 }).joined(separator: " · "),
                            "selected": brief.id.description == chosenBrief,
                        ]
                    },
                    "workflows": definitions.map {
                        ["slug": $0.slug, "name": $0.name, "description": $0.description, "selected": $0.slug == chosenWorkflow]
                    },
                ]))
    }

    func startRun(_ request: Request) async throws -> Response {
        let (principal, form) = try await signedInForm(request)
        guard let brief = form["brief_id"].flatMap(BriefID.init) else { throw AppError.invalidInput("choose a brief") }
        let started = try await dependencies.service.start(
            briefId: brief, workflowSlug: form["workflow_slug"] ?? "", workspace: principal.workspaceId)
        return Self.redirect("/runs/\(started.run.id)")
    }

    func runs(_ request: Request, _ principal: Principal) async throws -> Page {
        let definitions = try await dependencies.service.definitions(workspace: principal.workspaceId)
        let chosen = try RunQuery.filter(request, workflows: definitions.map(\.slug))
        let list = try await database.withWorkspace(principal.workspaceId) {
            try RunRepository.list(chosen, limit: 100, cursor: nil, on: $0).items
        }
        let filtered = chosen != RunFilter()
        return Page(
            title: "Runs",
            body: Templates.render(
                "runs",
                [
                    "runs": list.map(Self.runRow), "filtered": filtered, "compare": true,
                    "statuses": RunStatus.allCases.map {
                        [
                            "value": $0.rawValue, "label": $0.rawValue.replacingOccurrences(of: "_", with: " "),
                            "selected": $0 == chosen.status,
                        ]
                    },
                    "workflows": definitions.map { ["value": $0.slug, "label": $0.name, "selected": $0.slug == chosen.workflowSlug] },
                    "handle": chosen.handle ?? "", "from": request.query("from") ?? "", "to": request.query("to") ?? "",
                ]))
    }

    /// The run, its steps, its last event and — with `decisions` — who decided, cancelled or
    /// retried what.
    func loadRun(_ context: AppContext, _ principal: Principal, decisions withDecisions: Bool = false) async throws -> (
        WorkflowRun, [WorkflowStep], Int, [String]
    ) {
        let id = try context.id("id", as: WorkflowRun.self)
        guard
            let loaded = try await database.withWorkspace(
                principal.workspaceId,
                { c -> (WorkflowRun, [WorkflowStep], Int, [String])? in
                    guard let run = try RunRepository.find(id, on: c) else { return nil }
                    let last = try RunEventRepository.lastSeq(run: id, on: c)
                    guard withDecisions else { return (run, try StepRepository.list(run: id, on: c), last, []) }
                    let decisions = try RunEventRepository.decisions(run: id, on: c).map { event -> String in
                        let data = event.data
                        let who = data["by"]?.stringValue.map { "key \($0)" } ?? "an earlier key"
                        let when = Self.when(event.createdAt)
                        switch event.event {
                        case .approvalDecided:
                            let note = data["note"]?.stringValue.map { ": \($0)" } ?? ""
                            let items = (data["decisions"]?.arrayValue ?? []).map { item -> String in
                                let id = item["id"]?.stringValue ?? "item"
                                return item["action"] == "drop" ? "dropped \(id)" : "edited \(id) to “\(item["after"]?.stringValue ?? "")”"
                            }
                            let changes = items.isEmpty ? "" : " (" + items.joined(separator: "; ") + ")"
                            return
                                "\(when) · \(data["step_key"]?.stringValue ?? "approval") \(data["status"]?.stringValue ?? "decided") by \(who)\(note)\(changes)"
                        case .runCancelled: return "\(when) · cancelled by \(who)"
                        default: return "\(when) · \(data["retry_of"]?.stringValue ?? "a step") retried by \(who)"
                        }
                    }
                    return (run, try StepRepository.list(run: id, on: c), last, decisions)
                })
        else { throw AppError.notFound("run \(id) not found") }
        return loaded
    }

    func run(_ context: AppContext, _ principal: Principal, _ csrf: String) async throws -> Page {
        let (run, steps, lastSeq, decisions) = try await loadRun(context, principal, decisions: true)
        let (events, shares) = try await database.withWorkspace(principal.workspaceId) { c in
            (try RunEventRepository.list(run: run.id, after: 0, on: c), try ReportShareRepository.list(run: run.id, on: c))
        }
        let definition = (try? run.input["definition"]?.decode(WorkflowDef.self)) ?? SeededWorkflows.find(run.workflowSlug)
        var nodes: [String: Charts.Node] = [:]
        for step in steps {
            nodes[step.stepKey] = Charts.Node(
                key: step.stepKey, label: step.stepKey, status: Self.shownStatus(step, run: run), detail: Self.stepDetail(step),
                agentRunId: step.agentRunId?.description)
        }
        let order = definition?.steps.map(\.key) ?? steps.map(\.stepKey)
        var row = Self.runRow(run)
        let handle = row["handle"] as? String ?? ""
        if let definition { row["workflow"] = definition.name }
        let kind = run.replayOf == nil ? nil : run.evaluationId == nil ? "Replay" : "Evaluation re-run"
        let title = [kind, row["workflow"] as? String ?? run.workflowSlug, handle.isEmpty ? nil : handle, Self.when(run.createdAt)]
            .compactMap { $0 }.joined(separator: " · ")
        let liveCost = run.status.isTerminal ? run.totalCostUsd : steps.reduce(0) { $0 + $1.costUsd }
        row["csrf"] = csrf
        row["lastSeq"] = lastSeq
        row["stepEvents"] = [RunEvent.Name.stepStarted, .stepSucceeded, .stepFailed, .stepAwaitingApproval].map(\.rawValue).joined(
            separator: " ")
        row["completedEvent"] = RunEvent.Name.runCompleted.rawValue
        row["cost"] = Self.money(liveCost)
        row["costValue"] = liveCost
        row["startedMs"] = Int(((run.startedAt ?? run.createdAt).timeIntervalSince1970 * 1000).rounded())
        row["completedMs"] = run.completedAt.map { Int(($0.timeIntervalSince1970 * 1000).rounded()) } ?? 0
        row["elapsed"] = Self.duration(Self.elapsedMs(run))
        row["dag"] = definition.map { Charts.dag(definition: $0, nodes: nodes, narrow: true) } ?? ""
        row["stepList"] = order.map { key -> [String: Any] in
            let node = nodes[key]
            return [
                "key": key, "status": node?.status ?? "pending",
                "statusLabel": (node?.status ?? "pending").replacingOccurrences(of: "_", with: " "),
                "detail": node?.detail ?? "", "agentRun": node?.agentRunId ?? "",
            ]
        }
        row["timeline"] = Charts.timeline(
            order: order, attempts: Charts.attempts(events), start: run.startedAt ?? run.createdAt, end: run.completedAt ?? Date())
        row["canCancel"] = !run.status.isTerminal
        row["awaiting"] = run.status == .awaitingApproval
        row["failedSteps"] = steps.filter { $0.status == .failed && $0.kind != .approval }.map {
            ["key": $0.stepKey, "id": run.id.description, "csrf": csrf, "message": $0.error ?? "it failed without a message"]
        }
        row["runAgain"] = run.briefId.map { "/workflows/run?brief_id=\($0)&workflow=\(run.workflowSlug)" } ?? false
        row["canReplay"] = run.status.isTerminal
        // Offered once the run ends (shown live when it does): a recorded run only, not a replay.
        row["canEvaluate"] = run.replayOf == nil && run.evaluationId == nil
        row["ended"] = run.status.isTerminal
        var agents: [String] = []
        for step in definition?.steps ?? [] where step.kind != .approval {
            let name = step.kind == .synthesis ? "synthesis" : step.agent
            if !agents.contains(name) { agents.append(name) }
        }
        row["evalAgents"] = agents.reversed() as [String]
        row["evalModels"] = modelPickers()["models"] ?? []
        row["replayOf"] = run.evaluationId == nil ? (run.replayOf.map { $0.description } ?? false) : false
        row["evaluationOf"] =
            run.evaluationId.flatMap { evaluation in run.replayOf.map { ["evaluation": evaluation.description, "source": $0.description] } }
            ?? false
        row["hasReport"] = run.reportMd != nil
        row["decisions"] = decisions
        row["hasDecisions"] = !decisions.isEmpty
        row["reportHTML"] = run.reportMd.map(HTMLSafety.markdown) ?? ""
        let now = Date()
        row["shares"] = shares.filter { $0.isLive(at: now) }.map {
            [
                "id": $0.id.lowercasedString, "expires": Self.when($0.expiresAt), "by": $0.createdBy ?? "a key",
                "run": run.id.description, "csrf": csrf,
            ]
        }
        row["hasShares"] = !(row["shares"] as? [Any] ?? []).isEmpty
        return Page(title: title, body: Templates.render("run", row))
    }

    /// What a step shows as: a rejected approval reads "rejected", not "failed".
    static func shownStatus(_ step: WorkflowStep, run: WorkflowRun) -> String {
        if step.kind == .approval, step.status == .failed, run.status == .rejected { return "rejected" }
        return step.status.rawValue
    }

    static func stepDetail(_ step: WorkflowStep) -> String {
        guard step.status == .succeeded else { return step.attempt > 1 ? "attempt \(step.attempt)" : "" }
        return "\(money(step.costUsd)) · \(duration(step.latencyMs))"
    }

    func reportFragment(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let principal = try await principal(request) else { throw AppError.unauthorized("log in first") }
        let (run, _, _, _) = try await loadRun(context, principal)
        let html = run.reportMd.map { Templates.render("reportFragment", ["report": HTMLSafety.markdown($0)]) } ?? ""
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The timeline alone, redrawn by the page as steps move.
    func timelineFragment(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let principal = try await principal(request) else { throw AppError.unauthorized("log in first") }
        let (run, steps, _, _) = try await loadRun(context, principal)
        let events = try await database.withWorkspace(principal.workspaceId) { try RunEventRepository.list(run: run.id, after: 0, on: $0) }
        let definition = (try? run.input["definition"]?.decode(WorkflowDef.self)) ?? SeededWorkflows.find(run.workflowSlug)
        let svg = Charts.timeline(
            order: definition?.steps.map(\.key) ?? steps.map(\.stepKey), attempts: Charts.attempts(events),
            start: run.startedAt ?? run.createdAt, end: run.completedAt ?? Date())
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: svg)))
    }

    func runAction(_ request: Request, _ context: AppContext, _ action: (WorkflowService, WorkflowRunID, Principal) async throws -> Void)
        async throws -> Response
    {
        let (principal, _) = try await signedInForm(request)
        let id = try context.id("id", as: WorkflowRun.self)
        try await action(dependencies.service, id, principal)
        return Self.redirect("/runs/\(id)")
    }
}
