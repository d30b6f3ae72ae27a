import Core
import Foundation
import Persistence

/// The workspace's own workflows, made in the editor: created from a template or from scratch,
/// edited (each change is a new version; a run keeps the definition it started with) and deleted.
/// The seeded workflows are read-only templates.
extension WorkflowService {
    /// Whether `slug` names a seeded template.
    public static func isTemplate(_ slug: String) -> Bool { SeededWorkflows.find(slug) != nil }

    /// A definition from the editor's JSON: `{slug, name, description, steps: [{key, agent,
    /// depends_on, input_map, options, timeout_seconds}]}`, each part checked with an error naming it.
    public static func editorDefinition(_ json: JSONValue) throws -> WorkflowDef {
        guard let object = json.objectValue else { throw AppError.invalidInput("the workflow must be a JSON object") }
        let allowed: Set<String> = ["slug", "name", "description", "steps"]
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw AppError.invalidInput("\(unknown) is not a field of a workflow")
        }
        let slug = object["slug"]?.stringValue ?? ""
        guard slug.range(of: #"^[a-z][a-z0-9_]{2,40}$"#, options: .regularExpression) != nil else {
            throw AppError.invalidInput("slug must be 3-41 lowercase letters, digits or underscores, starting with a letter")
        }
        let name = (object["name"]?.stringValue ?? "").trimmingCharacters(in: .whitespaces)
        guard (1...80).contains(name.count) else { throw AppError.invalidInput("name must be 1-80 characters") }
        let description = object["description"]?.stringValue ?? ""
        guard description.count <= 500 else { throw AppError.invalidInput("description must be at most 500 characters") }
        guard let items = object["steps"]?.arrayValue, !items.isEmpty else { throw AppError.invalidInput("steps: add at least one step") }
        guard items.count <= 40 else { throw AppError.invalidInput("steps: at most 40") }
        let steps = try items.enumerated().map { index, item -> WorkflowStepDef in
            guard let step = item.objectValue else { throw AppError.invalidInput("steps[\(index)] must be an object") }
            let key = step["key"]?.stringValue ?? ""
            guard key.range(of: #"^[a-z][a-z0-9_]{0,40}$"#, options: .regularExpression) != nil else {
                throw AppError.invalidInput("steps[\(index)].key must be lowercase letters, digits or underscores, starting with a letter")
            }
            guard let agent = step["agent"]?.stringValue, !agent.isEmpty else {
                throw AppError.invalidInput("step \(key): choose an agent")
            }
            let dependsOn = try (step["depends_on"]?.arrayValue ?? []).map { value -> String in
                guard let text = value.stringValue else { throw AppError.invalidInput("step \(key): depends_on lists step keys") }
                return text
            }
            var inputMap: [String: String] = [:]
            for (input, source) in step["input_map"]?.objectValue ?? [:] {
                guard let text = source.stringValue else { throw AppError.invalidInput("step \(key): input \(input) needs a source") }
                inputMap[input] = text
            }
            let options = step["options"] ?? [:]
            guard options.objectValue != nil else { throw AppError.invalidInput("step \(key): options must be an object") }
            let timeout = step["timeout_seconds"]?.doubleValue ?? 600
            guard timeout > 0, timeout <= 86_400 else { throw AppError.invalidInput("step \(key): timeout_seconds must be 1 to 86400") }
            return WorkflowStepDef(key, agent: agent, dependsOn: dependsOn, inputMap: inputMap, options: options, timeoutSeconds: timeout)
        }
        let definition = WorkflowDef(slug: slug, name: name, description: description, steps: steps)
        try definition.validate()
        return definition
    }

    /// Stores a new workflow; its slug may not be a template's or another workflow's.
    public func create(_ definition: WorkflowDef, workspace: WorkspaceID) async throws -> Workflow {
        guard !Self.isTemplate(definition.slug) else {
            throw AppError.conflict("\(definition.slug) is a template's slug; choose another for your copy")
        }
        return try await database.withWorkspace(workspace) { c in
            if let existing = try WorkflowRepository.find(slug: definition.slug, on: c), existing.definition["steps"] != nil {
                throw AppError.conflict("a workflow \(definition.slug) already exists; edit it or choose another slug")
            }
            return try WorkflowRepository.upsert(
                slug: definition.slug, name: definition.name, description: definition.description,
                definition: try JSONValue.from(definition),
                workspace: workspace, on: c)
        }
    }

    /// Replaces a workspace workflow (a new version when it changed).
    public func update(_ slug: String, with definition: WorkflowDef, workspace: WorkspaceID) async throws -> Workflow {
        guard !Self.isTemplate(slug) else {
            throw AppError.conflict("\(slug) is a read-only template; copy it to a new workflow to change it")
        }
        guard definition.slug == slug else { throw AppError.invalidInput("slug cannot change (it is \(slug))") }
        return try await database.withWorkspace(workspace) { c in
            guard let existing = try WorkflowRepository.find(slug: slug, on: c), existing.definition["steps"] != nil else {
                throw AppError.notFound("no workflow \(slug) in this workspace")
            }
            return try WorkflowRepository.upsert(
                slug: slug, name: definition.name, description: definition.description, definition: try JSONValue.from(definition),
                workspace: workspace, on: c)
        }
    }

    /// Deletes a workspace workflow (runs made from it keep their copy of the definition).
    public func delete(_ slug: String, workspace: WorkspaceID) async throws {
        guard !Self.isTemplate(slug) else { throw AppError.conflict("\(slug) is a read-only template") }
        let removed = try await database.withWorkspace(workspace) { c -> Bool in
            guard try ScheduleRepository.list(on: c).allSatisfy({ $0.workflowSlug != slug }) else {
                throw AppError.conflict("a schedule runs \(slug); remove it first")
            }
            return try WorkflowRepository.delete(slug: slug, on: c)
        }
        guard removed else { throw AppError.notFound("no workflow \(slug) in this workspace") }
    }

    /// The stored version of a workspace workflow, if it is one.
    public func version(_ slug: String, workspace: WorkspaceID) async throws -> Int? {
        try await database.withWorkspace(workspace) { try WorkflowRepository.find(slug: slug, on: $0) }
            .flatMap { $0.definition["steps"] != nil ? $0.version : nil }
    }
}
