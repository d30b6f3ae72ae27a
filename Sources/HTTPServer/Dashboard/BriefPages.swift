import Agents
import Core
import Foundation
import Hummingbird
import Persistence

/// One field of the brief form, in a marketer's words.
struct BriefField {
    enum Kind { case text, number, longText, choice, list }
    var name: String
    var label: String
    var help: String
    var kind: Kind
    /// Value and label, for a choice.
    var choices: [(String, String)] = []
    /// Whether it lives on the brief itself rather than in its inputs.
    var onBrief = false
    var required = false

    /// The form, top to bottom: who, what for, then the knobs agents take (defaults from the catalog).
    static let all: [BriefField] = [
        BriefField(
            name: "handle", label: "TikTok account", help: "The @handle the work is about, e.g. @glowco.", kind: .text, onBrief: true,
            required: true),
        BriefField(
            name: "target_type", label: "Whose account is it",
            help: "Your own account, a competitor you study, or a creator you work with.",
            kind: .choice, choices: [("own_account", "Our own account"), ("competitor", "A competitor"), ("creator", "A creator")],
            onBrief: true),
        BriefField(
            name: "notes", label: "What this is for", help: "Goals, products, tone: whatever the team should know.", kind: .longText,
            onBrief: true),
        BriefField(
            name: "competitors", label: "Competitors to compare with", help: "Up to five @handles, one per field.", kind: .list),
        BriefField(
            name: "hashtags", label: "Hashtags to watch", help: "Seed hashtags for trends; empty uses the account's own.", kind: .list),
        BriefField(
            name: "budget_usd", label: "Daily ads budget (USD)", help: "For a campaign launch; at most the workspace's daily ads cap.",
            kind: .number),
        BriefField(name: "posts_per_week", label: "Posts per week", help: "The cadence the content plan aims for.", kind: .number),
        BriefField(name: "count", label: "Videos to script", help: "How many scripts and videos a campaign makes.", kind: .number),
        BriefField(name: "days", label: "Days to look back", help: "How many days of posts the analysts read.", kind: .number),
        BriefField(
            name: "low_stock_threshold", label: "Low stock below", help: "Products with fewer units are not featured in ads.", kind: .number
        ),
    ]

    /// How many entries a list field shows.
    static let listSlots = 5

    /// The catalog's default for an input, shown as a placeholder.
    var placeholder: String {
        let spec = Catalog.specs.flatMap { $0.inputs + $0.options }.first { $0.name == name && $0.defaultValue != nil }
        return spec?.defaultValue.map { $0.stringValue ?? $0.jsonString } ?? ""
    }
}

extension DashboardController {
    func addBriefRoutes(to router: Router<AppContext>) {
        router.get("/briefs") { request, _ in
            try await page(request) { principal, csrf in
                var page = try await briefsPage(principal, csrf: csrf, values: [:], errors: [:])
                page.flash = Self.done(request.query("done"))
                return page
            }
        }
        router.post("/briefs") { request, _ in try await saveBrief(request, id: nil) }
        router.get("/briefs/{id}") { request, context in
            try await page(request) { principal, csrf in
                var page = try await briefPage(try context.id("id", as: Brief.self), principal, csrf: csrf, values: nil, errors: [:])
                page.flash = Self.done(request.query("done"))
                return page
            }
        }
        router.post("/briefs/{id}") { request, context in try await saveBrief(request, id: try context.id("id", as: Brief.self)) }
        router.post("/briefs/{id}/delete") { request, context in
            let (principal, _) = try await signedInForm(request)
            let id = try context.id("id", as: Brief.self)
            try await BriefsController.delete(id, workspace: principal.workspaceId, database: database)
            return Self.redirect("/briefs?done=deleted")
        }
    }

    static func done(_ what: String?) -> String? {
        switch what {
        case "created": "The brief was created. Start a run from it below."
        case "saved": "Your changes to the brief were saved."
        case "deleted": "The brief was deleted."
        default: nil
        }
    }

    /// The form's fields with `values` (as posted) or the brief's own, and any errors.
    func formFields(_ values: [String: String], errors: [String: String], accounts: [String] = []) -> [[String: Any]] {
        BriefField.all.map { field in
            let value = values[field.name] ?? ""
            var item: [String: Any] = [
                "name": field.name, "label": field.label, "help": field.help, "value": value, "required": field.required,
                "placeholder": field.placeholder,
            ]
            switch field.kind {
            case .text: item["isText"] = true
            case .number: (item["isText"], item["isNumber"]) = (true, true)
            case .longText: item["isLong"] = true
            case .choice:
                item["isChoice"] = true
                item["choices"] = field.choices.map {
                    ["value": $0.0, "label": $0.1, "selected": $0.0 == (value.isEmpty ? "own_account" : value)]
                }
            case .list:
                item["isList"] = true
                item["slots"] = (0..<BriefField.listSlots).map {
                    ["index": $0, "name": field.name, "value": values["\(field.name)[\($0)]"] ?? ""]
                }
            }
            if let error = errors[field.name] { item["error"] = error }
            if field.name == "handle", !accounts.isEmpty {
                (item["accounts"], item["hasAccounts"]) = (accounts, true)
                item["help"] = field.help + " Connected: " + accounts.joined(separator: ", ") + "."
            }
            return item
        }
    }

    /// A stored brief as form values.
    static func values(of brief: Brief) -> [String: String] {
        var values = ["handle": brief.handle, "target_type": brief.targetType.rawValue, "notes": brief.notes ?? ""]
        for (key, value) in brief.inputs.objectValue ?? [:] {
            if let items = value.arrayValue {
                for (index, item) in items.enumerated() { values["\(key)[\(index)]"] = item.stringValue ?? item.jsonString }
            } else {
                values[key] = value.stringValue ?? value.numberValue?.text ?? value.jsonString
            }
        }
        return values
    }

    /// The posted form as a brief body (inputs typed: numbers, lists of non-empty entries).
    static func body(from form: [String: String], editing: Bool) -> [String: JSONValue] {
        var body: [String: JSONValue] = [:]
        var inputs: [String: JSONValue] = [:]
        for field in BriefField.all {
            let value: JSONValue?
            switch field.kind {
            case .list:
                let items = (0..<BriefField.listSlots).compactMap { form["\(field.name)[\($0)]"]?.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty }
                value = items.isEmpty ? nil : .array(items.map { .string($0) })
            case .number:
                let raw = form[field.name]?.trimmingCharacters(in: .whitespaces) ?? ""
                value = raw.isEmpty ? nil : JSONNumber(raw).map { .number($0) } ?? .string(raw)
            default:
                let raw = form[field.name]?.trimmingCharacters(in: .whitespaces) ?? ""
                value = raw.isEmpty ? nil : .string(raw)
            }
            if let value {
                if field.onBrief { body[field.name] = value } else { inputs[field.name] = value }
            } else if editing {
                if field.onBrief { body[field.name] = .null } else { inputs[field.name] = .null }
            }
        }
        if !inputs.isEmpty { body["inputs"] = .object(inputs) }
        return body
    }

    /// Handles of the workspace's connected TikTok accounts, offered in the handle field.
    func connectedHandles(_ principal: Principal) async throws -> [String] {
        try await dependencies.accounts.list(workspace: principal.workspaceId).filter { $0.kind == .tiktok && $0.status != .disconnected }
            .map(\.handle)
    }

    func briefsPage(_ principal: Principal, csrf: String, values: [String: String], errors: [String: String]) async throws -> Page {
        let (list, counts) = try await database.withWorkspace(principal.workspaceId) { c in
            let list = try BriefRepository.list(limit: 100, cursor: nil, on: c).items
            return (list, try RunRepository.countsByBrief(on: c))
        }
        let rows: [[String: Any]] = list.map { brief in
            [
                "id": brief.id.description, "handle": brief.handle, "type": Self.targetLabel(brief.targetType),
                "notes": brief.notes ?? "", "created": Self.when(brief.createdAt), "runs": counts[brief.id] ?? 0,
                "summary": Self.inputsSummary(brief),
            ]
        }
        let body = Templates.render(
            "briefs",
            [
                "csrf": csrf, "fields": formFields(values, errors: errors, accounts: try await connectedHandles(principal)), "briefs": rows,
                "empty": rows.isEmpty, "action": "/briefs",
                "submit": "Create brief",
            ])
        return Page(title: "Briefs", body: body)
    }

    func briefPage(_ id: BriefID, _ principal: Principal, csrf: String, values: [String: String]?, errors: [String: String]) async throws
        -> Page
    {
        let loaded = try await database.withWorkspace(principal.workspaceId) { c -> (Brief, [WorkflowRun])? in
            guard let brief = try BriefRepository.find(id, on: c) else { return nil }
            return (brief, try RunRepository.list(RunFilter(briefId: id), limit: 50, cursor: nil, on: c).items)
        }
        guard let (brief, runs) = loaded else { throw AppError.notFound("brief \(id) not found") }
        let definitions = try await dependencies.service.definitions(workspace: principal.workspaceId)
        let body = Templates.render(
            "brief",
            [
                "csrf": csrf, "id": id.description, "handle": brief.handle, "type": Self.targetLabel(brief.targetType),
                "notes": brief.notes ?? "", "created": Self.when(brief.createdAt), "summary": Self.inputsSummary(brief),
                "fields": formFields(values ?? Self.values(of: brief), errors: errors, accounts: try await connectedHandles(principal)),
                "action": "/briefs/\(id)", "submit": "Save changes",
                "runs": runs.map(Self.runRow), "hasRuns": !runs.isEmpty,
                "workflows": definitions.map { ["slug": $0.slug, "name": $0.name, "brief": id.description] },
            ])
        return Page(title: "Brief · \(brief.handle)", body: body)
    }

    static func targetLabel(_ type: TargetType) -> String {
        switch type {
        case .ownAccount: "Our own account"
        case .competitor: "Competitor"
        case .creator: "Creator"
        }
    }

    /// The brief's inputs in a line, to tell similar briefs apart.
    static func inputsSummary(_ brief: Brief) -> String {
        BriefField.all.filter { !$0.onBrief }.compactMap { field -> String? in
            guard let value = brief.inputs[field.name], !value.isNull else { return nil }
            let text =
                value.arrayValue.map { $0.compactMap(\.stringValue).joined(separator: ", ") }
                ?? (field.name == "budget_usd" ? value.doubleValue.map { DisplayFormat.money($0) + " a day" } : nil)
                ?? value.stringValue ?? value.numberValue?.text ?? ""
            return text.isEmpty ? nil : "\(field.label): \(text)"
        }.joined(separator: " · ")
    }

    /// Creates (`id` nil) or edits a brief from the form; a refusal redraws the form with the
    /// field named and nothing stored.
    func saveBrief(_ request: Request, id: BriefID?) async throws -> Response {
        let (principal, form) = try await signedInForm(request)
        let body = Self.body(from: form, editing: id != nil)
        let live = dependencies.settings.providerMode == .live
        do {
            if let id {
                _ = try await BriefsController.update(id, patch: body, workspace: principal.workspaceId, database: database, live: live)
                return Self.redirect("/briefs/\(id)?done=saved")
            }
            let accounts = try await database.withWorkspace(principal.workspaceId) { try AccountRepository.list(on: $0) }
            let brief = try BriefsController.bindAccount(try BriefsController.parse(body), hadHandle: true, accounts: accounts, live: live)
            let created = try await BriefsController.store(brief, workspace: principal.workspaceId, database: database)
            return Self.redirect("/briefs/\(created.id)?done=created")
        } catch let error as AppError where error.status == 400 || error.status == 409 {
            let field =
                BriefField.all.map(\.name).first { error.message.hasPrefix($0) || error.message.hasPrefix("inputs.\($0)") } ?? "handle"
            let label = BriefField.all.first { $0.name == field }?.label ?? field
            let (csrf, _) = Self.csrf(request)
            let errors = [field: ErrorPages.sentence(error.message)]
            var page: Page
            if let id {
                page = try await briefPage(id, principal, csrf: csrf, values: form, errors: errors)
            } else {
                page = try await briefsPage(principal, csrf: csrf, values: form, errors: errors)
            }
            page.flash = "Nothing was saved: check “\(label)”."
            return Self.html(page, csrf: csrf, signedIn: true, status: .badRequest)
        }
    }
}
