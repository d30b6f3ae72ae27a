import Agents
import Core
import Foundation
import HTTPTypes
import Hummingbird
import Persistence
import Providers

/// The Accounts page (admin role): connect a TikTok, Business or Ads account through its
/// provider's consent page, enter a shop's token, see what was granted, disconnect. In mock
/// provider mode the consent page is the app's own, so the flow works with no TikTok app.
extension DashboardController {
    /// The URL path segment of each kind with a sign-in flow.
    static let flowSlugs: [String: AccountKind] = ["tiktok": .tiktok, "tiktok-business": .tiktokBusiness, "tiktok-ads": .tiktokAds]

    func addAccountRoutes(to router: Router<AppContext>) {
        router.get("/accounts") { request, _ in try await page(request) { principal, csrf in try await accountsPage(principal, csrf) } }
        router.get("/accounts/connect/{kind}") { request, context in try await connect(request, context) }
        router.get("/accounts/callback/{kind}") { request, context in try await callback(request, context) }
        router.get("/accounts/mock-consent") { request, _ in try await mockConsent(request) }
        router.get("/accounts/mock-consent/answer") { request, _ in try mockConsentAnswer(request) }
        router.post("/accounts/shop") { request, _ in try await connectShop(request) }
        router.post("/accounts/{id}/disconnect") { request, context in try await disconnect(request, context) }
    }

    func adminPrincipal(_ request: Request) async throws -> Principal? {
        guard let principal = try await principal(request) else { return nil }
        guard principal.may(.admin) else { throw AppError.notFound("accounts are managed with an admin key") }
        return principal
    }

    func accountsPage(_ principal: Principal, _ csrf: String, flash: String? = nil) async throws -> Page {
        guard principal.may(.admin) else { throw AppError.notFound("accounts are managed with an admin key") }
        let accounts = try await dependencies.accounts.list(workspace: principal.workspaceId)
        let rows: [[String: Any]] = accounts.map { account -> [String: Any] in
            let missing: [String] = account.missingScopes.map { "\($0): \(AccountKind.consequence(ofMissing: $0))" }
            let expires: String = account.expiresAt.map(Self.when) ?? "no expiry"
            return [
                "id": account.id.lowercasedString, "kind": account.kind.title, "handle": account.handle,
                "name": account.displayName ?? "", "externalId": account.externalId, "status": account.status.rawValue,
                "statusLabel": account.status.rawValue.replacingOccurrences(of: "_", with: " "),
                "scopes": account.scopes.joined(separator: ", "),
                "missing": missing, "expires": expires, "error": account.lastError ?? "",
                "connected": account.status != .disconnected, "csrf": csrf,
            ]
        }
        let mock = dependencies.settings.providerMode == .mock
        return Page(
            title: "Accounts",
            body: Templates.render(
                "accounts",
                [
                    "csrf": csrf, "accounts": rows, "hasAccounts": !rows.isEmpty, "mock": mock,
                    "flows": Self.flowSlugs.sorted { $0.key < $1.key }.map { ["slug": $0.key, "title": $0.value.title] },
                ]), flash: flash)
    }

    /// Where the provider sends the browser back: `PUBLIC_BASE_URL` when set (live apps register
    /// it), else this server as the browser reached it.
    func redirectURI(_ request: Request, slug: String) throws -> String {
        if let base = dependencies.settings.providers.publicBaseURL {
            return (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/accounts/callback/" + slug
        }
        guard dependencies.settings.providerMode == .mock, let host = request.head.authority else {
            throw AppError(code: "not_configured", message: "PUBLIC_BASE_URL must be set to connect accounts in live mode", status: 409)
        }
        return "http://\(host)/accounts/callback/\(slug)"
    }

    func connect(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let principal = try await adminPrincipal(request), let session = SessionCookie.token(request) else {
            return Self.redirect("/login")
        }
        let slug = try context.parameter("kind")
        guard let kind = Self.flowSlugs[slug] else { throw AppError.notFound("no sign-in flow for \(slug)") }
        let url = try await dependencies.accounts.start(
            kind, session: session, redirectURI: try redirectURI(request, slug: slug), workspace: principal.workspaceId)
        return Self.redirect(url)
    }

    func callback(_ request: Request, _ context: AppContext) async throws -> Response {
        let (csrf, _) = Self.csrf(request)
        guard let principal = try await adminPrincipal(request), let session = SessionCookie.token(request) else {
            return Self.html(
                Page(
                    title: "Log in first",
                    body: Templates.render(
                        "notice", ["text": "Log in with an admin key, then connect the account again from the Accounts page."])),
                csrf: csrf, signedIn: false, status: .unauthorized)
        }
        let slug = try context.parameter("kind")
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query[name[...]].map(String.init) }
        do {
            let account = try await dependencies.accounts.finish(
                state: value("state"), code: value("code"), error: value("error"), errorDescription: value("error_description"),
                session: session, redirectURI: try redirectURI(request, slug: slug))
            var flash = "Connected \(account.handle) (\(account.kind.title))."
            if !account.missingScopes.isEmpty {
                flash +=
                    " Not granted: "
                    + account.missingScopes.map { "\($0) (\(AccountKind.consequence(ofMissing: $0)))" }.joined(separator: "; ") + "."
            }
            return Self.html(try await accountsPage(principal, csrf, flash: flash), csrf: csrf, signedIn: true)
        } catch let error as AccountFlowError {
            return Self.html(try await accountsPage(principal, csrf, flash: error.message), csrf: csrf, signedIn: true, status: .badRequest)
        }
    }

    /// Mock mode's consent page: who to connect as, allow or deny.
    func mockConsent(_ request: Request) async throws -> Response {
        let (csrf, _) = Self.csrf(request)
        guard dependencies.settings.providerMode == .mock else {
            throw AppError.notFound("the mock consent page exists in mock provider mode")
        }
        let query = request.uri.queryParameters
        let kind = query["kind"].flatMap { AccountKind(rawValue: String($0)) } ?? .tiktok
        let context: [String: Any] = [
            "kind": kind.rawValue, "title": kind.title, "state": query["state"].map(String.init) ?? "",
            "redirect": query["redirect_uri"].map(String.init) ?? "", "scopes": kind.requestedScopes,
        ]
        return Self.html(
            Page(title: "Authorize TikTok Army (mock)", body: Templates.render("mockConsent", context)), csrf: csrf,
            signedIn: try await principal(request) != nil)
    }

    /// Sends the browser back to the callback as TikTok would: `code` and `state`, or
    /// `error=access_denied`. Only this server's callback paths are accepted as targets.
    func mockConsentAnswer(_ request: Request) throws -> Response {
        guard dependencies.settings.providerMode == .mock else {
            throw AppError.notFound("the mock consent page exists in mock provider mode")
        }
        let query = request.uri.queryParameters
        func value(_ name: String) -> String { query[name[...]].map(String.init) ?? "" }
        // Only this server's callback: a path, or an absolute URL on PUBLIC_BASE_URL or the host the
        // browser reached (never another site: that would be an open redirect).
        let own = [dependencies.settings.providers.publicBaseURL, request.head.authority.map { "http://\($0)" }].compactMap { $0 }
            .map { URLComponents(string: $0) }
        guard let target = URLComponents(string: value("redirect_uri")), target.path.hasPrefix("/accounts/callback/"),
            target.query == nil, target.fragment == nil, target.user == nil, target.password == nil,
            target.host == nil && target.scheme == nil
                || own.contains(where: { $0?.scheme == target.scheme && $0?.host == target.host && $0?.port == target.port })
        else { throw AppError.invalidInput("redirect_uri must be this server's /accounts/callback/ path") }
        guard let kind = AccountKind(rawValue: value("kind")) else { throw AppError.invalidInput("kind is not an account kind") }
        let state = value("state")
        if value("decision") != "allow" {
            return Self.redirect(
                LiveAccountAuthorizer.append(
                    [("error", "access_denied"), ("error_description", "The user denied"), ("state", state)], to: value("redirect_uri")))
        }
        let handle = value("handle").trimmingCharacters(in: .whitespaces)
        guard (2...60).contains(handle.count), handle.allSatisfy({ $0.isLetter || $0.isNumber || "_.@".contains($0) }) else {
            throw AppError.invalidInput("handle must be 2 to 60 letters, digits, _ or .")
        }
        let code = MockAccountAuthorizer.code(kind: kind, handle: handle.hasPrefix("@") ? handle : "@" + handle)
        return Self.redirect(LiveAccountAuthorizer.append([("code", code), ("state", state)], to: value("redirect_uri")))
    }

    func connectShop(_ request: Request) async throws -> Response {
        let (principal, form) = try await signedInForm(request, role: .admin)
        let (csrf, _) = Self.csrf(request)
        let kind = AccountKind(rawValue: form["kind"] ?? "")
        let shop = (form["shop"] ?? "").trimmingCharacters(in: .whitespaces)
        let token = (form["token"] ?? "").trimmingCharacters(in: .whitespaces)
        guard let kind, kind == .tiktokShop || kind == .shopify, (1...200).contains(shop.count), (8...4096).contains(token.count) else {
            return Self.html(
                try await accountsPage(
                    principal, csrf,
                    flash: "Not connected: choose TikTok Shop or Shopify, enter the shop and a token of 8 characters or more."),
                csrf: csrf, signedIn: true, status: .badRequest)
        }
        do {
            let account = try await dependencies.accounts.connect(
                kind, externalId: shop, token: token, handle: shop, workspace: principal.workspaceId)
            return Self.html(
                try await accountsPage(principal, csrf, flash: "Connected \(account.handle) (\(kind.title))."), csrf: csrf, signedIn: true)
        } catch let error as AccountFlowError {
            return Self.html(try await accountsPage(principal, csrf, flash: error.message), csrf: csrf, signedIn: true, status: .conflict)
        }
    }

    func disconnect(_ request: Request, _ context: AppContext) async throws -> Response {
        let (principal, _) = try await signedInForm(request, role: .admin)
        guard let id = UUID(uuidString: try context.parameter("id")) else { throw AppError.invalidInput("id must be a UUID") }
        guard try await dependencies.accounts.disconnect(id, workspace: principal.workspaceId) != nil else {
            throw AppError.notFound("no account \(id)")
        }
        return Self.redirect("/accounts")
    }
}
