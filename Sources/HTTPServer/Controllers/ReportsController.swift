import Core
import Foundation
import Hummingbird
import Persistence

/// A run's report as Markdown (`/api/dashboard/workflows/runs/{id}/report.md`), and the share-link
/// rules the API and the report page use.
struct ReportsController: Sendable {
    let dependencies: ServerDependencies
    var database: Database { dependencies.database }

    /// How long a share link lives unless asked otherwise, and at most.
    static let defaultDays = 7
    static let maximumDays = 90

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("workflows/runs/{id}/report.md") { _, context in
            let principal = try context.requirePrincipal()
            let run = try await Self.reported(try context.id("id", as: WorkflowRun.self), principal.workspaceId, database)
            return Self.markdownDownload(run)
        }
    }

    /// `requested` days, checked: 1 to `maximumDays`.
    static func days(_ requested: Int?, given: Bool) throws -> Int {
        guard given else { return defaultDays }
        guard let requested, (1...maximumDays).contains(requested) else {
            throw AppError.invalidInput("expires_in_days must be a whole number of days from 1 to \(maximumDays)")
        }
        return requested
    }

    /// The run, when it exists and has a report.
    static func reported(_ id: WorkflowRunID, _ workspace: WorkspaceID, _ database: Database) async throws -> WorkflowRun {
        guard let run = try await database.withWorkspace(workspace, { try RunRepository.find(id, on: $0) }) else {
            throw AppError.notFound("run \(id) not found")
        }
        guard run.reportMd != nil else {
            throw AppError(code: "no_report", message: "run \(id) has no report yet; it is written when the run finishes", status: 409)
        }
        return run
    }

    static func share(_ run: WorkflowRunID, days: Int, by: String?, _ workspace: WorkspaceID, _ database: Database) async throws -> (
        ReportShare, String
    ) {
        _ = try await reported(run, workspace, database)
        return try await database.withWorkspace(workspace) {
            let (share, token) = try ReportShareRepository.create(run: run, days: days, by: by, workspace: workspace, on: $0)
            return (share, token)
        }
    }

    static func revoke(_ run: WorkflowRunID, share: UUID, _ workspace: WorkspaceID, _ database: Database) async throws {
        guard try await database.withWorkspace(workspace, { try ReportShareRepository.revoke(share, run: run, on: $0) }) else {
            throw AppError.notFound("run \(run) has no live share link \(share)")
        }
    }

    /// The report as a Markdown file named after the workflow, the account and the day.
    static func markdownDownload(_ run: WorkflowRun) -> Response {
        let handle = (run.input["brief"]?["handle"]?.stringValue ?? "account").filter { $0.isLetter || $0.isNumber || $0 == "_" }
        let day = Timestamp.format(run.createdAt).prefix(10)
        let name = "\(run.workflowSlug)-\(handle)-\(day).md"
        return Response(
            status: .ok,
            headers: [.contentType: "text/markdown; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""],
            body: .init(byteBuffer: .init(string: run.reportMd ?? "")))
    }
}
