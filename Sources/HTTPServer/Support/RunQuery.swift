import Core
import Foundation
import Hummingbird
import Persistence

/// The run list's filters from a query string, each checked: a bad value is the caller's error,
/// never silently ignored. Empty values (an untouched form field) mean "any".
enum RunQuery {
    static func filter(_ request: Request, workflows: [String]) throws -> RunFilter {
        func value(_ name: String) -> String? {
            guard let raw = request.query(name)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        var filter = RunFilter()
        if let status = value("status") {
            guard let parsed = RunStatus(rawValue: status) else {
                throw AppError.invalidInput("status must be one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.status = parsed
        }
        if let slug = value("workflow") {
            guard workflows.contains(slug) else {
                throw AppError.invalidInput("workflow \(slug) is not a workflow of this workspace (\(workflows.joined(separator: ", ")))")
            }
            filter.workflowSlug = slug
        }
        if let brief = value("brief_id") {
            guard let id = BriefID(brief) else { throw AppError.invalidInput("brief_id must be a UUID") }
            filter.briefId = id
        }
        if let handle = value("handle") {
            guard handle.count <= 30 else { throw AppError.invalidInput("handle must be at most 30 characters") }
            filter.handle = handle
        }
        (filter.from, filter.until) = try dates(from: value("from"), to: value("to"))
        return filter
    }

    /// `from` and `to` (`YYYY-MM-DD`, either may be missing) as the start of `from` and the end
    /// of `to`; refused when `from` comes after `to`.
    static func dates(from: String?, to: String?) throws -> (from: Date?, until: Date?) {
        let start = try from.map { try day($0, "from") }
        let end = try to.map { try day($0, "to").addingTimeInterval(86_400) }
        if let start, let end, start >= end { throw AppError.invalidInput("from must be on or before to") }
        return (start, end)
    }

    /// `YYYY-MM-DD` as the start of that day (UTC).
    static func day(_ text: String, _ name: String) throws -> Date {
        guard text.count == 10, let date = Timestamp.parse(text + "T00:00:00Z") else {
            throw AppError.invalidInput("\(name) must be a date written YYYY-MM-DD")
        }
        return date
    }
}
