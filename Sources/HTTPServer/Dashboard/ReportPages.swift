import Core
import Foundation
import HTTPTypes
import Hummingbird
import Persistence

/// The report's download, its share links and the page a share link opens (no key needed).
extension DashboardController {
    func addReportRoutes(to router: Router<AppContext>) {
        router.get("/runs/{id}/timeline") { request, context in try await timelineFragment(request, context) }
        router.get("/runs/{id}/report.md") { request, context in
            guard let principal = try await principal(request) else { throw AppError.unauthorized("log in first") }
            let run = try await ReportsController.reported(try context.id("id", as: WorkflowRun.self), principal.workspaceId, database)
            return ReportsController.markdownDownload(run)
        }
        router.post("/runs/{id}/shares") { request, context in
            let (principal, form) = try await signedInForm(request)
            let run = try context.id("id", as: WorkflowRun.self)
            let days = try ReportsController.days(form["days"].flatMap { Int($0) }, given: form["days"] != nil)
            let (share, token) = try await ReportsController.share(run, days: days, by: principal.keyName, principal.workspaceId, database)
            let (csrf, _) = Self.csrf(request)
            let url = "\(Self.origin(request))/shared/\(token)"
            let body = Templates.render(
                "shareCreated",
                [
                    "url": url, "expires": Self.when(share.expiresAt), "run": run.description,
                    "lifetime": days == 1 ? "1 day" : "\(days) days",
                ])
            return Self.html(Page(title: "Share link created", body: body), csrf: csrf, signedIn: true)
        }
        router.post("/runs/{id}/shares/{share}/revoke") { request, context in
            let (principal, _) = try await signedInForm(request)
            let run = try context.id("id", as: WorkflowRun.self)
            try await ReportsController.revoke(run, share: try context.uuid("share"), principal.workspaceId, database)
            return Self.redirect("/runs/\(run)#report")
        }
        router.get("/shared/{token}") { request, context in try await sharedReport(request, token: try context.parameter("token")) }
    }

    /// The shared report, read-only and without the navigation; a dead link says so.
    func sharedReport(_ request: Request, token: String) async throws -> Response {
        let gone = AppError(code: "share_expired", message: "this report link has expired or was revoked", status: 404)
        guard let workspace = try await database.withUnscopedTransaction({ try ReportShareRepository.workspace(token: token, on: $0) })
        else { throw gone }
        guard
            let run = try await database.withWorkspace(
                workspace,
                { c -> WorkflowRun? in
                    guard let id = try ReportShareRepository.run(token: token, on: c) else { return nil }
                    return try RunRepository.find(id, on: c)
                }), let report = run.reportMd
        else { throw gone }
        let handle = run.input["brief"]?["handle"]?.stringValue ?? ""
        let title = [Self.workflowName(run.workflowSlug), handle.isEmpty ? nil : handle].compactMap { $0 }.joined(separator: " · ")
        let body = Templates.render(
            "shared", ["reportHTML": HTMLSafety.markdown(report), "when": Self.when(run.completedAt ?? run.createdAt)])
        let (csrf, _) = Self.csrf(request)
        var response = Self.html(Page(title: title, body: body), csrf: csrf, signedIn: false)
        response.headers[.cacheControl] = "no-store"
        response.headers[HTTPField.Name("x-robots-tag")!] = "noindex"
        return response
    }

    /// `scheme://host` the browser used, for links people copy.
    static func origin(_ request: Request) -> String {
        let host = request.head.authority ?? "localhost"
        let scheme = request.headers[HTTPField.Name("x-forwarded-proto")!] == "https" ? "https" : "http"
        return "\(scheme)://\(host)"
    }
}
