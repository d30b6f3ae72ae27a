import Agents
import Core
import Foundation
import Hummingbird
import Persistence

/// `PATCH /api/dashboard/briefs/{id}`, and the brief rules the API and the dashboard's forms
/// share: validation, binding to a connected account, the budget check, deletion.
struct BriefsController: Sendable {
    let database: Database
    /// Live provider mode: own-account briefs must name a connected account.
    var live = false

    /// TikTok usernames: 2-24 letters, digits, underscores or periods.
    static func isHandle(_ text: String) -> Bool {
        let name = text.hasPrefix("@") ? text.dropFirst() : Substring(text)
        return (2...24).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }
    }

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.patch("briefs/{id}") { request, context in
            let principal = try context.requirePrincipal()
            let patch = try await HTTPJSON.object(request)
            let brief = try await Self.update(
                try context.id("id", as: Brief.self), patch: patch, workspace: principal.workspaceId, database: database, live: live)
            return try HTTPJSON.response(encoding: brief)
        }
    }

    /// The brief with `patch` applied (fields given replace the stored ones; `inputs` keys given
    /// replace those keys, `null` removes one), validated like a new brief and stored whole.
    static func update(_ id: BriefID, patch: [String: JSONValue], workspace: WorkspaceID, database: Database, live: Bool) async throws
        -> Brief
    {
        try HTTPJSON.rejectUnknown(patch, allowed: ["handle", "target_type", "notes", "brand_id", "inputs", "account_id"])
        let (current, accounts) = try await database.withWorkspace(workspace) { c in
            (try BriefRepository.find(id, on: c), try AccountRepository.list(on: c))
        }
        guard let current else { throw AppError.notFound("brief \(id) not found") }
        var body: [String: JSONValue] = [
            "handle": .string(current.handle), "target_type": .string(current.targetType.rawValue),
            "notes": current.notes.map { .string($0) } ?? .null, "brand_id": current.brandId.map { .string($0) } ?? .null,
        ]
        var inputs = current.inputs.objectValue ?? [:]
        for (key, value) in patch where key != "inputs" { body[key] = value }
        if let given = patch["inputs"] {
            guard let object = given.objectValue else { throw AppError.invalidInput("inputs must be an object") }
            for (key, value) in object {
                if value.isNull { inputs.removeValue(forKey: key) } else { inputs[key] = value }
            }
        }
        body["inputs"] = .object(inputs)
        if patch["handle"] != nil, patch["account_id"] == nil {
            body.removeValue(forKey: "account_id")
        } else if body["account_id"] == nil {
            body["account_id"] = current.accountId.map { .string($0.uuidString) } ?? .null
        }
        let brief = try bindAccount(try parse(body), hadHandle: true, accounts: accounts, live: live)
        return try await database.withWorkspace(workspace) { c in
            try checkBudget(brief, on: c)
            guard let stored = try BriefRepository.replace(id, with: brief, on: c) else { throw AppError.notFound("brief \(id) not found") }
            return stored
        }
    }

    /// Deletes the brief, or says what still uses it (409).
    static func delete(_ id: BriefID, workspace: WorkspaceID, database: Database) async throws {
        switch try await database.withWorkspace(workspace, { try BriefRepository.delete(id, on: $0) }) {
        case .deleted: return
        case .notFound: throw AppError.notFound("brief \(id) not found")
        case .inUse(let runs, let schedules):
            let uses = [
                runs > 0 ? "\(runs) \(runs == 1 ? "run" : "runs") still in progress" : nil,
                schedules > 0 ? "\(schedules) \(schedules == 1 ? "schedule" : "schedules")" : nil,
            ].compactMap { $0 }.joined(separator: " and ")
            throw AppError(
                code: "brief_in_use",
                message: "the brief is used by \(uses); let the runs finish or cancel them, and remove the schedules, then delete it",
                status: 409)
        }
    }

    /// Validates a brief body: handle format, target type, notes length, unknown fields.
    static func parse(_ body: [String: JSONValue]) throws -> NewBrief {
        try HTTPJSON.rejectUnknown(body, allowed: ["handle", "target_type", "notes", "brand_id", "inputs", "account_id"])
        var accountId: UUID?
        if let value = body["account_id"], !value.isNull {
            guard let text = value.stringValue, let id = UUID(uuidString: text) else {
                throw AppError.invalidInput("account_id must be a UUID")
            }
            accountId = id
        }
        guard let raw = body["handle"]?.stringValue?.trimmingCharacters(in: .whitespaces) ?? (accountId != nil ? "@account" : nil),
            !raw.isEmpty
        else {
            throw AppError.invalidInput("handle is required (or account_id)")
        }
        guard isHandle(raw) else {
            throw AppError.invalidInput("handle must be 2-24 letters, digits, underscores or periods, optionally starting with @")
        }
        var targetType = TargetType.ownAccount
        if let value = body["target_type"], !value.isNull {
            guard let text = value.stringValue, let parsed = TargetType(rawValue: text) else {
                throw AppError.invalidInput("target_type must be one of own_account, competitor, creator")
            }
            targetType = parsed
        }
        let notes = try HTTPJSON.optionalString(body, "notes", max: 2000)
        let brandId = try HTTPJSON.optionalString(body, "brand_id", max: 100)
        var inputs: JSONValue = [:]
        if let value = body["inputs"], !value.isNull {
            guard let object = value.objectValue else { throw AppError.invalidInput("inputs must be an object") }
            let known = Dictionary(
                Catalog.specs.flatMap { $0.inputs + $0.options }.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            var extra = ["budget_usd": InputSpec("budget_usd", .number, "Daily ads budget")]
            extra.merge(known) { _, catalog in catalog }
            for (key, item) in object {
                guard let spec = extra[key] else { throw AppError.invalidInput("inputs.\(key) is not an input any agent takes") }
                if item.isNull { continue }
                guard
                    (try? AgentSpec(name: "brief", title: "", description: "", inputs: [spec], outputs: [], workflows: []).validate([
                        key: item
                    ])) != nil
                else {
                    throw AppError.invalidInput("inputs.\(key) must be \(spec.type.rawValue)")
                }
            }
            inputs = .object(object)
        }
        let handle = raw.hasPrefix("@") ? raw : "@" + raw
        return NewBrief(handle: handle, targetType: targetType, notes: notes, brandId: brandId, accountId: accountId, inputs: inputs)
    }

    /// Ties the brief to the workspace's connected account: the one `account_id` names (its
    /// handle becomes the brief's), else the TikTok account with the brief's handle. In live
    /// provider mode an own-account brief needs one — data is read only through connected accounts.
    static func bindAccount(_ brief: NewBrief, hadHandle: Bool, accounts: [ConnectedAccount], live: Bool) throws -> NewBrief {
        var brief = brief
        let connected = accounts.filter { $0.kind == .tiktok && $0.status != .disconnected }
        if let id = brief.accountId {
            guard let account = connected.first(where: { $0.id == id }) else {
                throw AppError.invalidInput("account_id names no connected TikTok account in this workspace")
            }
            if hadHandle, account.handle.lowercased() != brief.handle.lowercased() {
                throw AppError.invalidInput("handle \(brief.handle) is not the handle of account_id (\(account.handle))")
            }
            brief.handle = account.handle
            return brief
        }
        if let account = connected.first(where: { $0.handle.lowercased() == brief.handle.lowercased() }) {
            brief.accountId = account.id
        } else if live, brief.targetType == .ownAccount {
            throw AppError(
                code: "account_not_connected",
                message:
                    "\(brief.handle) is not connected in this workspace: connect it on the Accounts page (live mode reads only connected accounts)",
                status: 409)
        }
        return brief
    }

    /// Stores a brief whose money fits: `inputs.budget_usd` positive and at most the workspace's
    /// daily ads cap (checked in the transaction that inserts it).
    static func store(_ brief: NewBrief, workspace: WorkspaceID, database: Database) async throws -> Brief {
        try await database.withWorkspace(workspace) { c in
            try checkBudget(brief, on: c)
            return try BriefRepository.create(brief, workspace: workspace, on: c)
        }
    }

    static func checkBudget(_ brief: NewBrief, on c: Connection) throws {
        guard let budget = brief.inputs["budget_usd"], !budget.isNull else { return }
        let cap = try SpendLedgerRepository.headroom(.ads, on: c).capUsd
        _ = try AdBudget.check(budget.doubleValue, field: "inputs.budget_usd", headroom: SpendHeadroom(capUsd: cap, spentUsd: 0))
    }
}
