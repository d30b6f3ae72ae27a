import Agents
import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Orchestrator
import Persistence

/// The review screen: for each pending gate, the brand, the workflow and what approval will do;
/// each video playable beside its own caption; the ad as it will run; replies beside the
/// comments they answer; budget changes in dollars. Items can be approved, edited or dropped.
extension DashboardController {
    func approvals(_ principal: Principal, _ csrf: String) async throws -> Page {
        let (pending, runs, headroom) = try await database.withWorkspace(principal.workspaceId) { c in
            let pending = try ApprovalRepository.list(status: .pending, limit: 50, on: c)
            let runs = try Dictionary(
                pending.compactMap { approval in try RunRepository.find(approval.runId, on: c).map { (approval.runId, $0) } },
                uniquingKeysWith: { first, _ in first })
            return (pending, runs, try SpendLedgerRepository.headroom(.ads, on: c))
        }
        let items: [[String: Any]] = pending.map { approval in
            Self.review(approval, run: runs[approval.runId], headroom: headroom, csrf: csrf)
        }
        return Page(title: "Approvals", body: Templates.render("approvals", ["approvals": items, "csrf": csrf]))
    }

    static func dollars(_ value: Double?) -> String { String(format: "$%.2f", value ?? 0) }

    static func review(_ approval: Approval, run: WorkflowRun?, headroom: SpendHeadroom, csrf: String) -> [String: Any] {
        let payload = approval.payload
        let workflow = SeededWorkflows.find(run?.workflowSlug ?? "")?.name ?? run?.workflowSlug ?? "Workflow"
        let handle = run?.input["brief"]?["handle"]?.stringValue ?? ""
        let assets = payload["assets"]?["assets"]?.arrayValue ?? []
        let captions = payload["captions"]?["captions"]?.arrayValue ?? []
        let videos: [[String: Any]] = assets.enumerated().compactMap { index, asset in
            guard let id = asset["asset_id"]?.stringValue, MediaAsset.isValid(id) else { return nil }
            return [
                "item": "video:\(id)", "src": "/media/\(id).mp4", "title": asset["script_title"]?.stringValue ?? "Video \(index + 1)",
                "caption": Publisher.caption(for: asset, index: index, captions: captions),
                "duration": String(format: "%.1f s", asset["duration_seconds"]?.doubleValue ?? 0),
            ]
        }
        let replies: [[String: Any]] = (payload["replies"]?["replies"]?.arrayValue ?? []).compactMap { reply in
            guard let id = reply["comment_id"]?.stringValue, let text = reply["reply"]?.stringValue, !text.isEmpty else { return nil }
            return [
                "item": "reply:\(id)", "comment": reply["comment"]?.stringValue ?? "(comment text not stored)", "reply": text,
                "classification": reply["classification"]?.stringValue ?? "",
            ]
        }
        var effects: [String] = []
        var item: [String: Any] = [
            "id": approval.id.description, "title": payload["title"]?.stringValue ?? approval.stepKey, "workflow": workflow,
            "handle": handle, "runId": approval.runId.description, "created": when(approval.createdAt), "csrf": csrf,
            "videos": videos, "replies": replies, "hasVideos": !videos.isEmpty, "hasReplies": !replies.isEmpty,
            "cap": "\(dollars(headroom.spentUsd)) of \(dollars(headroom.capUsd)) spent on ads today, \(dollars(headroom.leftUsd)) left",
        ]
        if let campaign = payload["campaign"] {
            let budget = payload["budget_usd"]?.doubleValue ?? campaign["budget_usd"]?.doubleValue
            item["ad"] =
                [
                    "name": campaign["name"]?.stringValue ?? "", "text": campaign["ad_text"]?.stringValue ?? "",
                    "objective": campaign["objective"]?.stringValue ?? "", "cta": campaign["call_to_action"]?.stringValue ?? "",
                    "locations": (campaign["targeting"]?["locations"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "),
                    "ages": (campaign["targeting"]?["age_groups"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "),
                    "schedule": "Starts when approved, runs daily until switched off",
                    "budget": String(format: "%.2f", budget ?? 0), "max": String(format: "%.2f", headroom.leftUsd),
                    "products": (campaign["products"]?.arrayValue ?? payload["products"]?["featured"]?.arrayValue ?? []).map {
                        "\($0["title"]?.stringValue ?? $0["product_id"]?.stringValue ?? "") (\(dollars($0["price_usd"]?.doubleValue)))"
                    },
                ] as [String: Any]
            effects.append("The campaign “\(campaign["name"]?.stringValue ?? "")” goes live at \(dollars(budget)) per day (USD)")
        }
        if !videos.isEmpty { effects.append("\(videos.count) video\(videos.count == 1 ? "" : "s") posted to \(handle)") }
        if payload["campaign"] != nil, !videos.isEmpty { effects.append("Ads attached to the posted videos") }
        if !replies.isEmpty { effects.append("\(replies.count) repl\(replies.count == 1 ? "y" : "ies") posted under the comments") }
        if let change = payload["budget_change"], let to = change["to_usd"]?.doubleValue {
            let from = change["from_usd"]?.doubleValue ?? 0
            item["budgetChange"] = [
                "item": "budget_change", "name": change["name"]?.stringValue ?? "the live campaign",
                "text": "\(dollars(from)) → \(dollars(to)) per day (\(String(format: "%+.0f%%", from > 0 ? (to / from - 1) * 100 : 0)))",
            ]
            effects.append(
                "Daily budget of “\(change["name"]?.stringValue ?? "the live campaign")” changes from \(dollars(from)) to \(dollars(to))")
        }
        item["effects"] = effects.isEmpty ? ["The run continues"] : effects
        if let compliance = payload["compliance"] {
            item["hasCompliance"] = true
            item["compliance"] =
                (compliance["summary"]?.stringValue.map { [$0] } ?? [])
                + (compliance["issues"]?.arrayValue?.map { "\($0["severity"]?.stringValue ?? ""): \($0["text"]?.stringValue ?? "")" } ?? [])
        }
        return item
    }

    /// The item decisions a review form sends: `item.<id>` = approve | edit | drop, `text.<id>`.
    static func itemDecisions(_ form: [String: String]) throws -> [ItemDecision] {
        try form.keys.filter { $0.hasPrefix("item.") }.sorted().compactMap { key in
            let id = String(key.dropFirst(5))
            guard let action = ItemDecision.Action(rawValue: form[key] ?? "") else {
                throw AppError.invalidInput("\(id): choose approve, edit or drop")
            }
            let text = form["text.\(id)"]
            if action == .approve, text == nil { return nil }
            return ItemDecision(id: id, action: action, text: action == .edit ? text : nil)
        }
    }

    func decide(_ request: Request, _ context: AppContext) async throws -> Response {
        let (principal, form) = try await signedInForm(request)
        let id = try context.id("id", as: Approval.self)
        guard let decision = form["decision"], decision == "approve" || decision == "reject" else {
            throw AppError.invalidInput("decision must be approve or reject")
        }
        let note = form["note"].flatMap { $0.isEmpty ? nil : String($0.prefix(2000)) }
        var budget: Double?
        if let text = form["budget_usd"], !text.isEmpty {
            guard let value = Double(text) else { throw AppError.invalidInput("budget_usd must be a number of dollars") }
            budget = value
        }
        let approve = decision == "approve"
        do {
            let decided = try await dependencies.service.decide(
                id,
                ApprovalDecision(
                    approve: approve, note: note, budgetUsd: approve ? budget : nil, items: approve ? try Self.itemDecisions(form) : []),
                by: principal.apiKeyId, byName: principal.keyName, workspace: principal.workspaceId)
            return Self.redirect("/runs/\(decided.runId)")
        } catch let error as AppError where error.status == 400 {
            let (csrf, _) = Self.csrf(request)
            var page = try await approvals(principal, csrf)
            page.flash = "Nothing was decided: \(error.message)"
            return Self.html(page, csrf: csrf, signedIn: true, status: .badRequest)
        }
    }
}
