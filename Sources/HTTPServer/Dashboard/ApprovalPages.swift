import Agents
import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Orchestrator
import Persistence

/// The approvals page: what to review for each pending gate, and the decision form.
extension DashboardController {
    func approvals(_ principal: Principal, _ csrf: String) async throws -> Page {
        let pending = try await database.withWorkspace(principal.workspaceId) {
            try ApprovalRepository.list(status: .pending, limit: 50, on: $0)
        }
        let items: [[String: Any]] = pending.map { approval in
            let payload = approval.payload
            var sections: [[String: Any]] = []
            func section(_ heading: String, _ lines: [String]) {
                if !lines.isEmpty { sections.append(["heading": heading, "lines": lines]) }
            }
            section(
                "Scripts",
                payload["scripts"]?["scripts"]?.arrayValue?.map {
                    "\($0["title"]?.stringValue ?? ""): \($0["hook"]?.stringValue ?? "") \($0["body"]?.stringValue ?? "") \($0["cta"]?.stringValue ?? "")"
                } ?? [])
            section(
                "Captions",
                payload["captions"]?["captions"]?.arrayValue?.map {
                    "\($0["caption"]?.stringValue ?? "") \(($0["hashtags"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " "))"
                } ?? [])
            section(
                "Creatives",
                payload["assets"]?["assets"]?.arrayValue?.map {
                    "\($0["script_title"]?.stringValue ?? ""): \($0["width"]?.intValue ?? 0)x\($0["height"]?.intValue ?? 0), \($0["duration_seconds"]?.doubleValue ?? 0) s"
                } ?? [])
            section(
                "Compliance",
                (payload["compliance"]?["summary"]?.stringValue.map { [$0] } ?? [])
                    + (payload["compliance"]?["issues"]?.arrayValue?.map {
                        "\($0["severity"]?.stringValue ?? ""): \($0["text"]?.stringValue ?? "")"
                    } ?? []))
            section(
                "Replies",
                payload["replies"]?["replies"]?.arrayValue?.map {
                    "[\($0["classification"]?.stringValue ?? "")] \($0["reply"]?.stringValue ?? "")"
                } ?? [])
            section("Budget change", payload["budget_change"]?.stringValue.map { [$0] } ?? [])
            var item: [String: Any] = [
                "id": approval.id.description, "title": payload["title"]?.stringValue ?? approval.stepKey,
                "runId": approval.runId.description,
                "shortRun": String(approval.runId.description.prefix(8)), "stepKey": approval.stepKey,
                "created": Self.when(approval.createdAt),
                "items": sections, "csrf": csrf,
            ]
            if let budget = payload["budget_usd"]?.doubleValue { item["budget"] = String(format: "$%.2f", budget) }
            return item
        }
        return Page(title: "Approvals", body: Templates.render("approvals", ["approvals": items, "csrf": csrf]))
    }

    func decide(_ request: Request, _ context: AppContext) async throws -> Response {
        let (principal, form) = try await signedInForm(request)
        let id = try context.id("id", as: Approval.self)
        guard let decision = form["decision"], decision == "approve" || decision == "reject" else {
            throw AppError.invalidInput("decision must be approve or reject")
        }
        let note = form["note"].flatMap { $0.isEmpty ? nil : String($0.prefix(2000)) }
        let decided = try await dependencies.service.decide(
            id, approve: decision == "approve", note: note, by: principal.apiKeyId, byName: principal.keyName,
            workspace: principal.workspaceId)
        return Self.redirect("/runs/\(decided.runId)")
    }
}
