import Core
import Foundation

/// A run's report as a marketer reads it: the synthesis's narrative (title, summary, next steps)
/// around the findings, in the order of the questions asked — how the account is doing, what to
/// post, what went live, what it cost — with numbers formatted and internal ids and paths left out.
public enum ReportComposer {
    /// The sections, in the order they are written, and the agents whose findings each holds.
    static let sections: [(title: String, agents: [String])] = [
        (
            "How the account is doing",
            ["profile_auditor", "performance_analyst", "content_analyzer", "audience_analyst", "competitor_benchmarker"]
        ),
        (
            "What to post",
            ["trend_scout", "content_strategist", "script_writer", "caption_writer", "content_producer", "compliance_reviewer"]
        ),
        ("What went live", ["shop_catalog_manager", "ads_campaign_manager", "campaign_operator", "publisher", "comment_triage"]),
    ]

    /// What each agent's findings are called in the report.
    static let headings: [String: String] = [
        "profile_auditor": "The profile", "performance_analyst": "Recent performance", "content_analyzer": "What content works",
        "audience_analyst": "Who watches", "competitor_benchmarker": "Against competitors", "trend_scout": "Trends to ride",
        "content_strategist": "The content plan", "script_writer": "Scripts", "caption_writer": "Captions",
        "content_producer": "Videos made", "compliance_reviewer": "Compliance check", "shop_catalog_manager": "Products",
        "ads_campaign_manager": "The ad campaign", "publisher": "Posts", "comment_triage": "Comment replies",
    ]

    /// Fields that mean something to the system only.
    static let internalFields: Set<String> = [
        "id", "idempotency_key", "url", "asset", "deduplicated", "prepared", "currency", "action", "width", "height", "sku",
    ]

    /// The narrative with the findings placed before its next steps, and the cost at the end.
    static func compose(narrative: String, steps: [WorkflowStep], agentOf: (WorkflowStep) -> String?) -> String {
        let succeeded = steps.filter { $0.status == .succeeded && $0.kind == .agent }
        var findings: [String] = []
        for section in sections {
            var blocks: [String] = []
            for agent in section.agents {
                for step in succeeded where agentOf(step) == agent {
                    let lines = render(agent: agent, output: step.output ?? [:])
                    guard !lines.isEmpty else { continue }
                    let heading = agent == "campaign_operator" ? operatorHeading(step.output ?? [:]) : headings[agent] ?? agent
                    blocks.append("### \(heading)\n\n" + lines.joined(separator: "\n"))
                }
            }
            if !blocks.isEmpty { findings.append("## \(section.title)\n\n" + blocks.joined(separator: "\n\n")) }
        }
        let (head, tail) = split(narrative)
        var parts = [head.trimmingCharacters(in: .whitespacesAndNewlines)]
        parts += findings
        if !tail.isEmpty { parts.append(tail.trimmingCharacters(in: .whitespacesAndNewlines)) }
        parts.append(cost(steps: steps))
        return parts.filter { !$0.isEmpty }.joined(separator: "\n\n") + "\n"
    }

    /// The narrative before its next steps, and the next steps (empty when it has none).
    static func split(_ narrative: String) -> (String, String) {
        let lines = narrative.split(separator: "\n", omittingEmptySubsequences: false)
        guard
            let index = lines.firstIndex(where: {
                $0.hasPrefix("## ") && $0.lowercased().contains("next step")
            })
        else { return (narrative, "") }
        // Findings the narrative wrote itself between its summary and next steps are replaced by ours.
        let headEnd = lines[..<index].firstIndex { $0.hasPrefix("## ") } ?? index
        return (lines[..<headEnd].joined(separator: "\n"), lines[index...].joined(separator: "\n"))
    }

    static func operatorHeading(_ output: JSONValue) -> String {
        switch output["action"]?.stringValue {
        case "attach": "Ads on the posts"
        case "budget": "Budget change"
        default: "Campaign launch"
        }
    }

    /// The findings of one agent as Markdown lines (also for comparing runs).
    public static func render(agent: String, output: JSONValue) -> [String] {
        switch agent {
        case "campaign_operator": return operatorLines(output)
        case "content_producer":
            let assets = output["assets"]?.arrayValue ?? []
            guard !assets.isEmpty else { return [] }
            return [
                "- \(assets.count) \(assets.count == 1 ? "video" : "videos") made: "
                    + assets.compactMap { $0["script_title"]?.stringValue }.map { "“\(escape($0))”" }.joined(separator: ", ")
            ]
        default:
            guard let object = output.objectValue else { return [] }
            let rank = { (key: String) in order(key) + (object[key]?.arrayValue == nil ? 0 : 10) }
            let ordered = object.keys.sorted { rank($0) < rank($1) || (rank($0) == rank($1) && $0 < $1) }
            return ordered.compactMap { key in field(key, object[key]!) }
        }
    }

    static func operatorLines(_ output: JSONValue) -> [String] {
        let status = output["status"]?.stringValue ?? ""
        switch output["action"]?.stringValue {
        case "attach":
            let count = output["ad_ids"]?.arrayValue?.count ?? 0
            return ["- \(count) Spark \(count == 1 ? "ad" : "ads") placed on the new posts (\(status))"]
        case "budget":
            guard let from = output["from_usd"]?.doubleValue, let to = output["to_usd"]?.doubleValue else {
                return status.isEmpty ? [] : ["- No budget change (\(status))"]
            }
            return ["- Daily budget \(DisplayFormat.money(from)) → \(DisplayFormat.money(to)) (\(status))"]
        default:
            let budget = output["budget_usd"]?.doubleValue.map { " at \(DisplayFormat.money($0)) per day" } ?? ""
            return ["- The campaign is \(status.isEmpty ? "prepared" : status)\(budget)"]
        }
    }

    /// Summaries first, lists after, the rest between.
    static func order(_ key: String) -> Int {
        if key == "summary" { return 0 }
        if key.hasSuffix("score") { return 1 }
        return 2
    }

    static func isInternal(_ key: String) -> Bool {
        internalFields.contains(key) || key.hasSuffix("_id") || key.hasSuffix("_ids") || key.hasSuffix("_key") || key.hasSuffix("_path")
    }

    /// One field as a bullet (with sub-bullets for a list), or nil when there is nothing to say.
    static func field(_ key: String, _ value: JSONValue) -> String? {
        guard !isInternal(key) else { return nil }
        let label = self.label(key)
        switch value {
        case .array(let items):
            let lines = items.compactMap { item(key, $0) }
            guard !lines.isEmpty else { return nil }
            // A list is a paragraph of its own (nested lists do not survive every renderer).
            return "\n**\(label)**\n\n" + lines.map { "- " + $0 }.joined(separator: "\n") + "\n"
        case .object(let object):
            let parts = object.keys.sorted().compactMap { inner in
                inline(inner, object[inner]!, percent: key == "ages" || key == "genders").map { "\(self.label(inner)) \($0)" }
            }
            return parts.isEmpty ? nil : "- **\(label)**: " + parts.joined(separator: ", ")
        default:
            guard let text = inline(key, value) else { return nil }
            return key == "summary" ? escape(value.stringValue ?? text) + "\n" : "- **\(label)**: \(text)"
        }
    }

    /// One list item: a reply beside its comment, an object by its main text and details, a value.
    static func item(_ key: String, _ value: JSONValue) -> String? {
        guard let object = value.objectValue else { return inline(key, value) }
        if let reply = object["reply"]?.stringValue {
            let comment = object["comment"]?.stringValue ?? object["comment_text"]?.stringValue
            let kind = object["classification"]?.stringValue.map { " (\($0))" } ?? ""
            let answer = reply.isEmpty ? "no reply" : "“\(escape(reply))”"
            return (comment.map { "“\(escape($0))” → " } ?? "") + answer + kind
        }
        let main = ["title", "caption", "idea", "text", "name", "hook", "handle", "day"].first { object[$0]?.stringValue != nil }
        var parts: [String] = []
        for inner in object.keys.sorted() where inner != main && !isInternal(inner) {
            if let text = inline(inner, object[inner]!) { parts.append("\(label(inner).lowercased()) \(text)") }
        }
        let head = main.flatMap { object[$0]?.stringValue }.map { escape($0) }
        switch (head, parts.isEmpty) {
        case (let head?, true): return head
        case (let head?, false): return head + " — " + parts.joined(separator: ", ")
        case (nil, false): return parts.joined(separator: ", ")
        case (nil, true): return nil
        }
    }

    /// A scalar (or a short list) formatted by what its key says it is.
    static func inline(_ key: String, _ value: JSONValue, percent: Bool = false) -> String? {
        switch value {
        case .string(let text):
            guard !text.isEmpty, !looksInternal(text) else { return nil }
            return escape(text)
        case .bool(let flag): return flag ? "yes" : "no"
        case .number(let number):
            let x = number.double
            guard x.isFinite else { return nil }
            if key.hasSuffix("_usd") || key.contains("budget") || key.contains("price") || key.contains("cost") {
                return DisplayFormat.money(x)
            }
            if key.hasSuffix("score") { return DisplayFormat.score(x) }
            if percent || key.contains("rate") || key.contains("share") || key.contains("ratio") { return DisplayFormat.percent(x) }
            if key.hasSuffix("seconds") { return DisplayFormat.duration(milliseconds: Int(x * 1000)) }
            return DisplayFormat.count(x)
        case .array(let items):
            let texts = items.compactMap { $0.objectValue == nil ? inline(key, $0) : nil }
            return texts.isEmpty ? nil : texts.joined(separator: ", ")
        case .object(let object):
            let parts = object.keys.sorted().compactMap { inner in
                inline(inner, object[inner]!).map { "\(label(inner).lowercased()) \($0)" }
            }
            return parts.isEmpty ? nil : parts.joined(separator: ", ")
        case .null: return nil
        }
    }

    /// A file path, a media URL, a UUID or a long numeric id.
    static func looksInternal(_ text: String) -> Bool {
        if text.hasPrefix("/") || text.hasPrefix(".data") || text.hasSuffix(".mp4") { return true }
        if text.utf8.count == 36, UUID(uuidString: text) != nil { return true }
        return text.allSatisfy(\.isNumber) && text.count >= 12
    }

    /// `engagement_rate` as `Engagement rate`.
    static func label(_ key: String) -> String {
        var words: [UInt8] = []
        var separated = false
        var rest = key.utf8[...]
        while let byte = rest.first {
            if rest.starts(with: "_usd".utf8) {
                rest = rest.dropFirst(4)
                continue
            }
            if byte == 0x5F {
                separated = true
            } else {
                if separated, !words.isEmpty { words.append(0x20) }
                separated = false
                words.append(byte)
            }
            rest = rest.dropFirst()
        }
        let text = String(decoding: words, as: UTF8.self)
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    /// Text that Markdown must show as written: backslashes, emphasis markers, code ticks and brackets escaped.
    static func escape(_ text: String) -> String {
        let special: (UInt8) -> Bool = { $0 == 0x5C || $0 == 0x2A || $0 == 0x5F || $0 == 0x60 || $0 == 0x5B || $0 == 0x5D }
        guard text.utf8.contains(where: special) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 8)
        for byte in text.utf8 {
            if special(byte) { out.append(0x5C) }
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// What the run cost: Claude for the findings, and the ads budget switched on or changed.
    static func cost(steps: [WorkflowStep]) -> String {
        let claude = steps.reduce(0) { $0 + $1.costUsd }
        var lines = [
            "## What it cost", "",
            "- **Claude**: \(DisplayFormat.money(claude)) for the findings (the run's page shows the total with this report)",
        ]
        for step in steps where step.status == .succeeded {
            guard let output = step.output, output["status"]?.stringValue == "live" || output["status"]?.stringValue == "applied" else {
                continue
            }
            if output["action"] == "launch", let budget = output["budget_usd"]?.doubleValue {
                lines.append("- **Ads**: \(DisplayFormat.money(budget)) per day from today, within the workspace's daily cap")
            } else if output["action"] == "budget", let to = output["to_usd"]?.doubleValue {
                lines.append("- **Ads**: \(DisplayFormat.money(to)) per day from now on")
            }
        }
        return lines.joined(separator: "\n")
    }
}
