import Agents
import Core
import Foundation
import Persistence

/// Applies a reviewer's per-item decisions to a gate's payload: what the downstream steps
/// receive is the payload with dropped items removed and edited texts replaced; each drop and
/// edit is recorded with the text before and after.
public enum ApprovalReview {
    public static func apply(_ items: [ItemDecision], to payload: JSONValue) throws -> (output: JSONValue, recorded: JSONValue) {
        var output = payload
        var recorded: [JSONValue] = []
        var seen = Set<String>()
        for (index, item) in items.enumerated() {
            guard seen.insert(item.id).inserted else { throw AppError.invalidInput("items[\(index)].id \(item.id) is decided twice") }
            if item.action == .approve { continue }
            if item.action == .edit {
                guard let text = item.text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                    throw AppError.invalidInput("items[\(index)].text is required to edit \(item.id)")
                }
            }
            let before: String?
            if item.id.hasPrefix("video:") {
                before = try video(String(item.id.dropFirst(6)), item, in: &output, index: index)
            } else if item.id.hasPrefix("reply:") {
                before = try reply(String(item.id.dropFirst(6)), item, in: &output, index: index)
            } else if item.id == "budget_change", output["budget_change"] != nil {
                guard item.action == .drop else { throw AppError.invalidInput("items[\(index)]: budget_change can be approved or dropped") }
                before = nil
                output = output.removing("budget_change")
            } else {
                throw AppError.invalidInput("items[\(index)].id \(item.id) names nothing in this approval")
            }
            recorded.append([
                "id": .string(item.id), "action": .string(item.action.rawValue), "before": before.map { .string($0) } ?? .null,
                "after": item.text.map { .string($0) } ?? .null,
            ])
        }
        return (output, .array(recorded))
    }

    static func video(_ asset: String, _ item: ItemDecision, in output: inout JSONValue, index: Int) throws -> String? {
        var assets = output["assets"]?["assets"]?.arrayValue ?? []
        guard let position = assets.firstIndex(where: { $0["asset_id"]?.stringValue == asset }) else {
            throw AppError.invalidInput("items[\(index)].id video:\(asset) is not a video in this approval")
        }
        var captions = output["captions"]?["captions"]?.arrayValue ?? []
        let title = assets[position]["script_title"]?.stringValue
        let captionIndex = captions.firstIndex { $0["script_title"]?.stringValue == title } ?? (position < captions.count ? position : nil)
        let before = Publisher.caption(for: assets[position], index: position, captions: captions)
        if item.action == .drop {
            assets.remove(at: position)
            if let captionIndex { captions.remove(at: captionIndex) }
        } else if let captionIndex {
            captions[captionIndex] = captions[captionIndex].merging(["caption": .string(item.text!), "hashtags": []])
        } else {
            captions.append(["script_title": .string(title ?? asset), "caption": .string(item.text!), "hashtags": []])
        }
        output = output.merging([
            "assets": (output["assets"] ?? [:]).merging(["assets": .array(assets)]),
            "captions": (output["captions"] ?? [:]).merging(["captions": .array(captions)]),
        ])
        return before
    }

    static func reply(_ comment: String, _ item: ItemDecision, in output: inout JSONValue, index: Int) throws -> String? {
        var replies = output["replies"]?["replies"]?.arrayValue ?? []
        guard let position = replies.firstIndex(where: { $0["comment_id"]?.stringValue == comment }) else {
            throw AppError.invalidInput("items[\(index)].id reply:\(comment) is not a reply in this approval")
        }
        let before = replies[position]["reply"]?.stringValue
        if item.action == .drop {
            replies.remove(at: position)
        } else {
            guard item.text!.count <= 150 else { throw AppError.invalidInput("items[\(index)].text must be at most 150 characters") }
            replies[position] = replies[position].merging(["reply": .string(item.text!)])
        }
        output = output.merging(["replies": (output["replies"] ?? [:]).merging(["replies": .array(replies)])])
        return before
    }

    /// Checks the money a gate would release against what is left of today's ads cap: the
    /// campaign's daily budget, or a budget change's new amount. Returns the payload with the
    /// approved budget.
    public static func checkMoney(_ payload: JSONValue, budgetOverride: Double?, on connection: Connection) throws -> JSONValue {
        var output = payload
        let headroom = try SpendLedgerRepository.headroom(.ads, on: connection)
        if let override = budgetOverride {
            guard payload["campaign"] != nil || payload["budget_usd"] != nil else {
                throw AppError.invalidInput("budget_usd can only be set on a gate that approves a campaign budget")
            }
            output = output.merging(["budget_usd": .number(try AdBudget.check(override, field: "budget_usd", headroom: headroom))])
        } else if let budget = payload["budget_usd"], payload["campaign"] != nil || payload["scripts"] != nil {
            _ = try AdBudget.check(budget.doubleValue, field: "budget_usd", headroom: headroom)
        }
        if let target = output["budget_change"]?["to_usd"] {
            _ = try AdBudget.check(
                target.doubleValue, field: "budget_change.to_usd", headroom: SpendHeadroom(capUsd: headroom.capUsd, spentUsd: 0))
        }
        return output
    }
}
