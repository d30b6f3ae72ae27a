import Agents
import Core
import Foundation
import Persistence
import Providers

/// One caller's copilot session: chat-style operations over the workflow service, acting only
/// with the caller's workspace and key. Live mode lets Claude pick tools (traced as a `copilot`
/// agent run); mock mode parses intents deterministically. The reply says what was done.
public struct Copilot: Sendable {
    let orchestration: Orchestration
    let principal: Principal
    var workspace: WorkspaceID { principal.workspaceId }
    var database: Database { orchestration.engine.environment.database }

    public init(orchestration: Orchestration, principal: Principal) {
        self.orchestration = orchestration
        self.principal = principal
    }

    /// Answers `message`: what was done in words, and each action as JSON (`type` and ids).
    public func respond(to message: String, live: Bool) async throws -> (reply: String, actions: [JSONValue]) {
        live ? try await self.live(message) : try await mock(message)
    }

    enum Intent: Equatable {
        case start(workflow: String, handle: String)
        case status
        case pending
        case decide(reference: String, approve: Bool, note: String?)
        case help
    }

    /// The deterministic intent parser of mock mode.
    static func parse(_ message: String) -> Intent {
        let text = message.trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = text.lowercased()
        let handle =
            text.firstMatch(of: /@[A-Za-z0-9_.]{2,24}/).map { String($0.output) }
            ?? text.firstMatch(of: /(?i)\bfor\s+([A-Za-z0-9_.]{2,24})/).map { "@" + String($0.output.1) }
        if let match = lower.firstMatch(of: /^(approve|reject)\s+#?([0-9a-f-]+)(?:\s+(?:because\s+)?(.+))?$/) {
            let note = match.output.3.map { String(text.suffix($0.count)) }
            return .decide(reference: String(match.output.2), approve: match.output.1 == "approve", note: note)
        }
        if lower.contains("audit"), let handle { return .start(workflow: "profile_audit", handle: handle) }
        if lower.contains("campaign") || lower.contains("launch"), let handle, !lower.contains("post") {
            return .start(workflow: "campaign_launch", handle: handle)
        }
        if lower.contains("post-launch") || lower.contains("post launch") || lower.contains("comments"), let handle {
            return .start(workflow: "post_launch_loop", handle: handle)
        }
        if lower.contains("approval") || lower.contains("waiting") || lower.contains("pending") { return .pending }
        if lower.contains("status") || lower.contains("last run") { return .status }
        return .help
    }

    func mock(_ message: String) async throws -> (String, [JSONValue]) {
        try await perform(Self.parse(message))
    }

    func perform(_ intent: Intent) async throws -> (String, [JSONValue]) {
        switch intent {
        case .start(let workflow, let handle):
            let brief = try await database.withWorkspace(workspace) { c in
                try BriefRepository.create(NewBrief(handle: handle, notes: "Created by the copilot"), workspace: workspace, on: c)
            }
            let started = try await orchestration.service.start(briefId: brief.id, workflowSlug: workflow, workspace: workspace)
            let name = SeededWorkflows.find(workflow)?.name ?? workflow
            return (
                "Started \(name) for \(handle): run \(started.run.id). Follow it at \(started.streamPath).",
                [
                    ["type": "brief_created", "brief_id": .string(brief.id.description)],
                    ["type": "run_started", "workflow_run_id": .string(started.run.id.description), "workflow_slug": .string(workflow)],
                ]
            )
        case .status:
            let last = try await database.withWorkspace(workspace) {
                try RunRepository.list(RunFilter(), limit: 1, cursor: nil, on: $0).items.first
            }
            guard let last else { return ("You have no runs yet. Try \"audit @yourbrand\".", []) }
            let handle = last.input["brief"]?["handle"]?.stringValue ?? "the account"
            return (
                "Your last run, \(last.workflowSlug) for \(handle), is \(last.status.rawValue.replacingOccurrences(of: "_", with: " ")) (cost $\(String(format: "%.4f", last.totalCostUsd))).",
                [["type": "run_status", "workflow_run_id": .string(last.id.description), "status": .string(last.status.rawValue)]]
            )
        case .pending:
            let pending = try await pendingApprovals()
            guard !pending.isEmpty else { return ("Nothing is waiting for approval.", []) }
            let lines = pending.enumerated().map { index, approval in
                "\(index + 1). \(approval.payload["title"]?.stringValue ?? approval.stepKey) (\(approval.id.description.prefix(8)))"
            }
            return (
                "\(pending.count) waiting for approval:\n" + lines.joined(separator: "\n")
                    + "\nSay \"approve 1\" or \"reject 1 because ...\".",
                pending.map { ["type": "approval_pending", "approval_id": .string($0.id.description)] }
            )
        case .decide(let reference, let approve, let note):
            let pending = try await pendingApprovals()
            let target =
                Int(reference).flatMap { $0 >= 1 && $0 <= pending.count ? pending[$0 - 1] : nil }
                ?? pending.first { $0.id.description.hasPrefix(reference) }
            guard let target else { throw AppError.notFound("no pending approval \(reference); ask \"what's waiting for approval?\"") }
            let decided = try await orchestration.service.decide(
                target.id, approve: approve, note: note, by: principal.apiKeyId, byName: principal.keyName, workspace: workspace)
            return (
                "\(approve ? "Approved" : "Rejected") \(decided.payload["title"]?.stringValue ?? decided.stepKey)\(note.map { " (\($0))" } ?? "").",
                [["type": approve ? "approved" : "rejected", "approval_id": .string(decided.id.description)]]
            )
        case .help:
            return (
                "I can \"audit @brand\", \"launch a campaign for @brand\", run a \"post-launch loop for @brand\", tell you the \"status of my last run\", list \"what's waiting for approval?\" and \"approve 1\" or \"reject 1 because ...\".",
                []
            )
        }
    }

    func pendingApprovals() async throws -> [Approval] {
        try await database.withWorkspace(workspace) { try ApprovalRepository.list(status: .pending, limit: 20, on: $0) }
            .reversed()
    }

    static let tools: [ClaudeTool] = [
        ClaudeTool(
            name: "start_workflow", description: "Create a brief for a TikTok handle and start a workflow on it.",
            inputSchema: [
                "type": "object", "required": ["handle", "workflow_slug"],
                "properties": [
                    "handle": ["type": "string"],
                    "workflow_slug": ["type": "string", "enum": ["profile_audit", "campaign_launch", "post_launch_loop"]],
                ],
            ]),
        ClaudeTool(
            name: "last_run_status", description: "The status of the caller's most recent run.",
            inputSchema: ["type": "object", "properties": [:]]),
        ClaudeTool(
            name: "list_pending_approvals", description: "What is waiting for approval.",
            inputSchema: ["type": "object", "properties": [:]]),
        ClaudeTool(
            name: "decide_approval", description: "Approve or reject a pending approval by its list number or id prefix.",
            inputSchema: [
                "type": "object", "required": ["reference", "approve"],
                "properties": ["reference": ["type": "string"], "approve": ["type": "boolean"], "note": ["type": "string"]],
            ]),
    ]

    /// Live mode: Claude chooses tools (traced as a `copilot` agent run); each is performed with
    /// the caller's rights.
    func live(_ message: String) async throws -> (String, [JSONValue]) {
        let runner = AgentRunner(environment: orchestration.engine.environment)
        let result = try await runner.run(
            name: "copilot", input: ["message": .string(message)], workspace: workspace, workflowRun: nil, workflowStep: nil
        ) { _, context in
            let call = try await context.gateway.callClaudeCached(
                system: PromptLayout.system(
                    brand: nil, instructions: "You operate a TikTok agent army for the user. Use the tools to act; answer briefly."),
                user: message, maxTokens: 1024, model: context.model, tools: Self.tools)
            return ["text": .string(call.text), "tools": .array(call.toolUses.map { ["name": .string($0.name), "input": $0.input] })]
        }
        var replies = [result.output["text"]?.stringValue ?? ""].filter { !$0.isEmpty }
        var actions: [JSONValue] = []
        for tool in result.output["tools"]?.arrayValue ?? [] {
            let input = tool["input"] ?? [:]
            let intent: Intent
            switch tool["name"]?.stringValue {
            case "start_workflow":
                guard let handle = input["handle"]?.stringValue, let slug = input["workflow_slug"]?.stringValue else { continue }
                intent = .start(workflow: slug, handle: handle.hasPrefix("@") ? handle : "@" + handle)
            case "last_run_status": intent = .status
            case "list_pending_approvals": intent = .pending
            case "decide_approval":
                guard let reference = input["reference"]?.stringValue, let approve = input["approve"]?.boolValue else { continue }
                intent = .decide(reference: reference, approve: approve, note: input["note"]?.stringValue)
            default: continue
            }
            let (reply, done) = try await perform(intent)
            replies.append(reply)
            actions += done
        }
        return (replies.isEmpty ? "I did not find anything to do." : replies.joined(separator: "\n"), actions)
    }
}
