import Agents
import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Orchestrator
import Persistence

/// The server-rendered dashboard: a server-side session made from the API key at login, CSRF
/// tokens bound to it on every form, pages drawn from the same services as the API, live updates
/// in plain JavaScript.
struct DashboardController: Sendable {
    let dependencies: ServerDependencies
    let credentials: Credentials
    let limiter: RateLimiter
    var database: Database { dependencies.database }

    static let csrfCookie = "tta_csrf"

    func addRoutes(to router: Router<AppContext>) {
        router.get("/assets/{file}") { _, context in
            let name = try context.parameter("file")
            guard let asset = BundledFiles.assets[name] else { throw AppError.notFound("there is no file \(name)") }
            return Self.asset(asset.text, asset.type)
        }
        router.get("/favicon.ico") { _, _ in Self.redirect("/assets/favicon.svg") }
        router.get("/login") { request, _ in loginPage(request, flash: nil) }
        router.post("/login") { request, context in try await login(request, address: context.clientAddress) }
        router.post("/logout") { request, _ in
            let (principal, _) = try await signedInForm(request, role: .viewer)
            if let session = principal.sessionId {
                try await database.withWorkspace(principal.workspaceId) { try WorkspaceRepository.endSession(session, on: $0) }
                await credentials.invalidate()
            }
            return Self.redirect("/login", cookies: [SessionCookie.clear])
        }
        router.get("/") { request, _ in try await page(request) { principal, csrf in try await overview(principal) } }
        addBriefRoutes(to: router)
        router.get("/workflows") { request, _ in try await page(request) { principal, _ in try await workflows(request, principal) } }
        router.get("/workflows/new") { request, _ in
            try await page(request) { principal, csrf in
                try await workflowEditor(principal, csrf: csrf, from: request.query("from"), editing: nil)
            }
        }
        router.get("/workflows/{slug}/edit") { request, context in
            try await page(request) { principal, csrf in
                try await workflowEditor(principal, csrf: csrf, from: nil, editing: try context.parameter("slug"))
            }
        }
        router.post("/workflows/{slug}/delete") { request, context in
            let (principal, _) = try await signedInForm(request)
            try await dependencies.service.delete(try context.parameter("slug"), workspace: principal.workspaceId)
            return Self.redirect("/workflows?done=deleted")
        }
        router.get("/workflows/run") { request, _ in
            try await page(request) { principal, csrf in try await runForm(request, principal, csrf) }
        }
        router.post("/workflows/run") { request, _ in try await startRun(request) }
        router.get("/runs") { request, _ in try await page(request) { principal, _ in try await runs(request, principal) } }
        router.get("/runs/compare") { request, _ in try await page(request) { principal, _ in try await compare(request, principal) } }
        router.get("/runs/{id}") { request, context in
            try await page(request) { principal, csrf in try await run(context, principal, csrf) }
        }
        router.get("/runs/{id}/report") { request, context in try await reportFragment(request, context) }
        router.post("/runs/{id}/cancel") { request, context in
            try await runAction(request, context) { service, run, principal in
                _ = try await service.cancel(run, by: principal.keyName, workspace: principal.workspaceId)
            }
        }
        router.post("/runs/{id}/replay") { request, context in
            let (principal, _) = try await signedInForm(request)
            let started = try await dependencies.service.replay(
                try context.id("id", as: WorkflowRun.self), by: principal.keyName, workspace: principal.workspaceId)
            return Self.redirect("/runs/\(started.run.id)")
        }
        router.post("/runs/{id}/steps/{key}/retry") { request, context in
            let key = try context.parameter("key")
            return try await runAction(request, context) { service, run, principal in
                _ = try await service.retry(run, stepKey: key, by: principal.keyName, workspace: principal.workspaceId)
            }
        }
        router.get("/approvals") { request, _ in try await page(request) { principal, csrf in try await approvals(principal, csrf) } }
        router.post("/approvals/{id}/decide") { request, context in try await decide(request, context) }
        router.get("/media/{file}") { request, context in
            guard let principal = try await principal(request) else { throw AppError.unauthorized("log in first") }
            return try await MediaController.serve(
                try context.parameter("file"), range: request.headers[.range], workspace: principal.workspaceId,
                mediaDir: dependencies.orchestration.engine.environment.mediaDir,
                media: dependencies.orchestration.engine.environment.providers.media)
        }
        router.get("/alerts") { request, _ in try await page(request) { principal, csrf in try await alertsPage(principal, csrf) } }
        router.post("/alerts/settings") { request, _ in try await saveAlertSettings(request) }
        router.get("/schedules") { request, _ in try await page(request) { principal, csrf in try await schedulesPage(principal, csrf) } }
        router.post("/schedules") { request, _ in try await createSchedule(request) }
        router.post("/schedules/{id}/delete") { request, context in try await deleteSchedule(request, context) }
        router.get("/agents") { request, _ in try await page(request) { _, _ in Self.agents() } }
        router.get("/agents/{name}") { request, context in
            try await page(request) { principal, csrf in try await agent(context, principal, csrf) }
        }
        router.post("/agents/{name}/model") { request, context in try await chooseModel(request, context) }
        router.get("/keys") { request, _ in try await page(request) { principal, csrf in try await keys(principal, csrf) } }
        router.post("/keys") { request, _ in try await createKey(request) }
        router.post("/keys/{id}/revoke") { request, context in try await revokeKey(request, context) }
        addAccountRoutes(to: router)
        addReportRoutes(to: router)
        addSpendRoutes(to: router)
        addEvaluationRoutes(to: router)
    }

    // MARK: - Plumbing

    struct Page {
        var title: String
        var body: String
        var flash: String? = nil
    }

    static func asset(_ text: String, _ type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "\(type); charset=utf-8", .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String, cookies: [Cookie] = []) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    static func cookie(_ request: Request, _ name: String) -> String? {
        request.cookies[name].map(\.value).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The CSRF token for this browser: bound to its session when signed in, else a cookie
    /// (double submit, for the login form), with the cookie to set when it is new.
    static func csrf(_ request: Request) -> (token: String, setCookie: Cookie?) {
        if let session = SessionCookie.token(request) { return (CSRF.token(forSession: session), nil) }
        if let token = cookie(request, csrfCookie), token.count == 32 { return (token, nil) }
        let token = Crypto.hex(Crypto.randomBytes(16))
        return (token, Cookie(name: csrfCookie, value: token, path: "/", httpOnly: true, sameSite: .strict))
    }

    static func html(_ page: Page, csrf: String, signedIn: Bool, status: HTTPResponse.Status = .ok, cookies: [Cookie] = []) -> Response {
        var context: [String: Any] = ["title": page.title, "body": page.body, "csrf": csrf, "signedIn": signedIn]
        if let flash = page.flash { context["flash"] = flash }
        let text = Templates.render("layout", context)
        var response = Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    func principal(_ request: Request) async throws -> Principal? {
        guard let token = SessionCookie.token(request) else { return nil }
        return try await credentials.principal(forSession: token)
    }

    /// A signed-in page, or a redirect to the login page.
    func page(_ request: Request, _ build: (Principal, String) async throws -> Page) async throws -> Response {
        let (csrf, setCookie) = Self.csrf(request)
        guard let principal = try await principal(request) else { return Self.redirect("/login", cookies: setCookie.map { [$0] } ?? []) }
        return Self.html(try await build(principal, csrf), csrf: csrf, signedIn: true, cookies: setCookie.map { [$0] } ?? [])
    }

    /// A posted form whose CSRF token matches the browser's cookie (403 otherwise).
    func checkedForm(_ request: Request) async throws -> [String: String] {
        let type = request.headers[.contentType] ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw AppError(code: "unsupported_media_type", message: "forms are sent as application/x-www-form-urlencoded", status: 415)
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: 64 << 10) } catch {
            throw AppError(code: "payload_too_large", message: "the form is too large", status: 413)
        }
        // Parsed by hand rather than by Hummingbird's `URLEncodedFormDecoder`: that decoder refuses a
        // list with a gap (`tags[0]`, `tags[2]`) and a repeated field, and would refuse a forged
        // form before its CSRF token is checked; here the last value of a name wins.
        var form: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            form[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        if let field = form.keys.sorted().first(where: { $0.utf8.contains(0) || form[$0]!.utf8.contains(0) }) {
            throw AppError.invalidInput(
                "form field \(field.replacingOccurrences(of: "\u{0}", with: "")) contains a NUL character, which cannot be stored")
        }
        if let session = SessionCookie.token(request) {
            try CSRF.check(request, session: session, sent: form["csrf"] ?? "")
            return form
        }
        guard let token = Self.cookie(request, Self.csrfCookie), let sent = form["csrf"],
            Crypto.constantTimeEqual(Array(token.utf8), Array(sent.utf8))
        else {
            throw AppError(code: "csrf", message: "the form's CSRF token is missing or wrong; reload the page and try again", status: 403)
        }
        return form
    }

    /// A posted form of a signed-in user whose key has at least `role`.
    func signedInForm(_ request: Request, role: KeyRole = .operator) async throws -> (Principal, [String: String]) {
        let form = try await checkedForm(request)
        guard let principal = try await principal(request) else { throw AppError.unauthorized("log in first") }
        try AccessRules.require(role, of: principal)
        return (principal, form)
    }

    // MARK: - Session

    func loginPage(_ request: Request, flash: String?, status: HTTPResponse.Status = .ok) -> Response {
        let (csrf, setCookie) = Self.csrf(request)
        return Self.html(
            Page(title: "Log in", body: Templates.render("login", ["csrf": csrf]), flash: flash), csrf: csrf, signedIn: false,
            status: status,
            cookies: setCookie.map { [$0] } ?? [])
    }

    /// Exchanges a key for a session: the cookie holds a random session token, never the key.
    func login(_ request: Request, address: String) async throws -> Response {
        let form = try await checkedForm(request)
        try limiter.checkFailures(from: address)
        let key = (form["key"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty, let principal = try await credentials.principal(forKey: key) else {
            limiter.recordFailure(from: address)
            return loginPage(request, flash: "That API key is not valid.", status: .unauthorized)
        }
        let token = try await database.withWorkspace(principal.workspaceId) {
            try WorkspaceRepository.startSession(for: principal, lifetime: SessionCookie.lifetime, on: $0)
        }
        return Self.redirect("/", cookies: [SessionCookie.set(token)])
    }

    // MARK: - Pages

    static func money(_ value: Double) -> String { DisplayFormat.money(value) }
    static func duration(_ ms: Int) -> String { DisplayFormat.duration(milliseconds: ms) }
    static func when(_ date: Date) -> String { String(Timestamp.format(date).prefix(16)).replacingOccurrences(of: "T", with: " ") }

    /// Wall-clock time from the run's start to its end (or to now while it runs).
    static func elapsedMs(_ run: WorkflowRun, now: Date = Date()) -> Int {
        max(0, Int(((run.completedAt ?? now).timeIntervalSince(run.startedAt ?? run.createdAt) * 1000).rounded()))
    }

    /// A workflow's name as people read it.
    static func workflowName(_ slug: String) -> String {
        SeededWorkflows.find(slug)?.name ?? slug.replacingOccurrences(of: "_", with: " ").capitalized
    }

    /// What a run list says in place of the elapsed time of a run that has not ended.
    static func openDuration(_ run: WorkflowRun) -> String? {
        guard run.completedAt == nil else { return nil }
        switch run.status {
        case .pending: return "queued"
        case .awaitingApproval: return "waiting for approval"
        default: return "running"
        }
    }

    static func runRow(_ run: WorkflowRun) -> [String: Any] {
        [
            "id": run.id.description, "shortId": String(run.id.description.prefix(8)), "workflow": workflowName(run.workflowSlug),
            "slug": run.workflowSlug, "handle": run.input["brief"]?["handle"]?.stringValue ?? "", "status": run.status.rawValue,
            "statusLabel": run.status.rawValue.replacingOccurrences(of: "_", with: " "), "cost": money(run.totalCostUsd),
            "duration": openDuration(run) ?? duration(elapsedMs(run)), "created": when(run.createdAt),
            "error": run.error ?? false,
        ]
    }

    func overview(_ principal: Principal) async throws -> Page {
        let data = try await DashboardAPI.overview(database, dependencies.models, principal.workspaceId)
        let recent = try await database.withWorkspace(principal.workspaceId) {
            try RunRepository.list(RunFilter(), limit: 10, cursor: nil, on: $0).items
        }
        let failed = recent.filter { $0.status == .failed }
        let perDay = data.costPerDay.map { (String($0.day.suffix(5)), $0.costUsd) }
        let perAgent = data.costPerAgent.map { ($0.agentName, $0.costUsd) }
        let perModel = data.costPerModel.map { ($0.model, $0.costUsd) }
        var notices = data.modelNotices
        for account in try await dependencies.accounts.list(workspace: principal.workspaceId) {
            switch account.status {
            case .needsReauth:
                notices.insert(
                    "Reconnect \(account.handle) (\(account.kind.title)) on the Accounts page: \(account.lastError ?? "its authorization stopped working"). Runs that need it fail until then.",
                    at: 0)
            case .expiring:
                notices.append(
                    "\(account.handle) (\(account.kind.title)) must be connected again before \(account.refreshExpiresAt.map(Self.when) ?? "its authorization ends")."
                )
            default: break
            }
        }
        if let stall = dependencies.orchestration.engine.health.stall() {
            notices.insert(
                "Runs are not advancing on this server: \(stall.reason(at: Date())). /ready answers 503 until it recovers.", at: 0)
        }
        let (days, claude, ads, adsPerDay, briefCount, auditCount) = try await database.withWorkspace(principal.workspaceId) { c in
            (
                try MetricsRepository.workspaceDays(days: 14, on: c), try SpendLedgerRepository.headroom(.claude, on: c),
                try SpendLedgerRepository.headroom(.ads, on: c), try SpendLedgerRepository.perDay(.ads, days: 14, on: c),
                try BriefRepository.list(limit: 1, cursor: nil, on: c).items.count,
                try RunRepository.list(RunFilter(status: .succeeded, workflowSlug: "profile_audit"), limit: 1, cursor: nil, on: c).items
                    .count
            )
        }
        let accounts = try await dependencies.accounts.list(workspace: principal.workspaceId).filter { $0.status != .disconnected }
        let checklist: [[String: Any]] = [
            ["done": !accounts.isEmpty, "text": "Connect your TikTok account", "href": "/accounts"],
            ["done": briefCount > 0, "text": "Create a brief: which account, and what for", "href": "/briefs"],
            ["done": auditCount > 0, "text": "Run a Profile Audit and read its report", "href": "/workflows/run?workflow=profile_audit"],
        ]
        let byStatus = Dictionary(grouping: recent, by: \.status).map {
            ($0.key.rawValue.replacingOccurrences(of: "_", with: " "), Double($0.value.count))
        }
        .sorted { $0.0 < $1.0 }
        let count: (Double) -> String = { String(Int($0)) }
        let body = Templates.render(
            "overview",
            [
                "hasMetrics": !days.isEmpty, "checklist": checklist,
                "gettingStarted": checklist.contains { $0["done"] as? Bool == false },
                "claudeToday": "\(Self.money(claude.spentUsd)) of \(Self.money(claude.capUsd))",
                "adsToday": "\(Self.money(ads.spentUsd)) of \(Self.money(ads.capUsd))",
                "adsPerDay": Charts.bars(adsPerDay.map { (String($0.day.suffix(5)), $0.usd) }, format: Self.money),
                "byStatus": Charts.bars(byStatus, format: { String(Int($0)) }),
                "viewsPerDay": Charts.bars(days.map { (String($0.day.suffix(5)), Double($0.videoViews)) }, format: count),
                "followersPerDay": Charts.bars(days.map { (String($0.day.suffix(5)), Double($0.newFollowers)) }, format: count),
                "costToday": Self.money(data.costTodayUsd), "costWeek": Self.money(data.costWeekUsd),
                "pendingCount": data.pendingApprovalCount, "runs": recent.map(Self.runRow),
                "failed": failed.map(Self.runRow),
                "perDay": Charts.bars(perDay, format: Self.money), "perAgent": Charts.bars(perAgent, format: Self.money),
                "perModel": Charts.bars(perModel, format: Self.money), "notices": notices,
            ])
        return Page(title: "Overview", body: body)
    }
}
