import Core
import Foundation
import Orchestrator

/// What an evaluation request may ask, read from a JSON body or the dashboard's form.
enum EvaluationRequests {
    /// An evaluation request from a JSON body (or a form turned into one): `run_ids`, or
    /// `workflow`, `handle`, `from`, `to` (YYYY-MM-DD) and `limit`; `models` (agent to model) and
    /// `name`. Each bad value is named.
    static func request(_ body: [String: JSONValue]) throws -> EvaluationRequest {
        try HTTPJSON.rejectUnknown(body, allowed: ["run_ids", "workflow", "handle", "from", "to", "limit", "models", "name"])
        var request = EvaluationRequest()
        if let ids = body["run_ids"] {
            guard let items = ids.arrayValue else { throw AppError.invalidInput("run_ids must be a list of run ids") }
            request.runs = try items.map {
                guard let text = $0.stringValue, let id = WorkflowRunID(text) else {
                    throw AppError.invalidInput("run_ids must hold UUIDs")
                }
                return id
            }
        }
        func text(_ key: String) throws -> String? {
            guard let value = body[key], value != .null else { return nil }
            guard let text = value.stringValue else { throw AppError.invalidInput("\(key) must be a string") }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : trimmed
        }
        request.workflowSlug = try text("workflow")
        request.handle = try text("handle")
        (request.from, request.until) = try RunQuery.dates(from: text("from"), to: text("to"))
        if let limit = body["limit"], limit != .null {
            guard let value = limit.intValue else { throw AppError.invalidInput("limit must be a whole number") }
            request.limit = value
        }
        if let models = body["models"], models != .null {
            guard let object = models.objectValue else { throw AppError.invalidInput("models must map agent names to model ids") }
            request.models = try object.mapValues {
                guard let model = $0.stringValue, !model.isEmpty else {
                    throw AppError.invalidInput("models must map agent names to model ids")
                }
                return model
            }
        }
        request.name = try text("name")
        if let name = request.name, name.count > 120 { throw AppError.invalidInput("name must be at most 120 characters") }
        return request
    }
}
