import Core
import Foundation
import Hummingbird
import NIOCore
import Persistence

/// JSON in and out, with the error shape `{error: {code, message}}`.
enum HTTPJSON {
    static func response(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.jsonString)))
    }

    /// JSON text made elsewhere (by Postgres), sent as it is.
    static func response(raw json: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    static func response<T: Encodable>(encoding value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        response(try JSONValue.from(value), status: status)
    }

    static func error(_ error: AppError, requestId: String) -> Response {
        var headers: HTTPFields = [:]
        if let wait = error.retryAfter { headers[.retryAfter] = String(wait) }
        return response(
            ["error": ["code": .string(error.code), "message": .string(error.message), "request_id": .string(requestId)]],
            status: HTTPResponse.Status(code: error.status), headers: headers)
    }

    /// Reads a JSON object body: 415 for another content type, 413 over `limit`, 400 when it is
    /// not a UTF-8 JSON object.
    static func object(_ request: Request, limit: Int = 256 << 10) async throws -> [String: JSONValue] {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/json") else {
            throw AppError(code: "unsupported_media_type", message: "send the body as application/json", status: 415)
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch {
            throw AppError(code: "payload_too_large", message: "the body is larger than \(limit) bytes", status: 413)
        }
        let bytes = Data(buffer: buffer)
        guard String(validatingUTF8: bytes) != nil || bytes.isEmpty else { throw AppError.invalidInput("the body is not valid UTF-8") }
        guard let value = try? JSONValue.parse(bytes), let object = value.objectValue else {
            throw AppError.invalidInput("the body is not a JSON object")
        }
        if let field = nulField(value) {
            throw AppError.invalidInput("\(field.isEmpty ? "the body" : field) contains a NUL character (\\u0000), which cannot be stored")
        }
        return object
    }

    /// The path of the first string or key holding U+0000 (Postgres text cannot store it).
    static func nulField(_ value: JSONValue, path: String = "") -> String? {
        switch value {
        case .string(let text): return text.utf8.contains(0) ? path : nil
        case .array(let items):
            for (index, item) in items.enumerated() { if let found = nulField(item, path: path + "[\(index)]") { return found } }
            return nil
        case .object(let object):
            for key in object.keys.sorted() {
                let child = path.isEmpty ? key : path + "." + key
                if key.utf8.contains(0) { return child }
                if let found = nulField(object[key]!, path: child) { return found }
            }
            return nil
        default: return nil
        }
    }

    /// Refuses fields outside `allowed`.
    static func rejectUnknown(_ object: [String: JSONValue], allowed: Set<String>) throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw AppError.invalidInput("unknown field \(unknown)")
        }
    }

    static func optionalString(_ object: [String: JSONValue], _ key: String, max: Int) throws -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw AppError.invalidInput("\(key) must be a string") }
        return try bounded(text, key, max: max)
    }

    /// An optional text field, at most `max` characters.
    static func bounded(_ text: String?, _ key: String, max: Int) throws -> String? {
        guard let text else { return nil }
        guard text.count <= max else { throw AppError.invalidInput("\(key) must be at most \(max) characters") }
        return text
    }
}

extension String {
    fileprivate init?(validatingUTF8 data: Data) {
        guard let text = String(data: data, encoding: .utf8) else { return nil }
        self = text
    }
}

/// Path and query parameters read into their types, with 400s naming the parameter: shared by
/// the hand-written routes and the generated operations.
enum Parameters {
    static func id<Entity>(_ raw: String?, _ name: String = "id", as _: Entity.Type = Entity.self) throws -> ID<Entity> {
        guard let raw, let id = ID<Entity>(raw) else { throw AppError.invalidInput("\(name) must be a UUID") }
        return id
    }

    static func uuid(_ raw: String?, _ name: String = "id") throws -> UUID {
        guard let raw, let id = UUID(uuidString: raw) else { throw AppError.invalidInput("\(name) must be a UUID") }
        return id
    }

    /// A page size: `fallback` when none is given, else 1 to `max`.
    static func limit(_ value: Int?, default fallback: Int = 20, max: Int = 100) throws -> Int {
        guard let value else { return fallback }
        guard (1...max).contains(value) else { throw AppError.invalidInput("limit must be an integer from 1 to \(max)") }
        return value
    }
}

extension AppContext {
    func id<Entity>(_ name: String, as entity: Entity.Type) throws -> ID<Entity> {
        try Parameters.id(parameters.get(name), name, as: entity)
    }

    func uuid(_ name: String) throws -> UUID { try Parameters.uuid(parameters.get(name), name) }

    func parameter(_ name: String) throws -> String {
        guard let value = parameters.get(name) else { throw AppError.invalidInput("missing \(name)") }
        return value
    }
}

extension Request {
    func limit(default fallback: Int = 20, max: Int = 100) throws -> Int {
        guard let raw = uri.queryParameters.get("limit") else { return fallback }
        // Not a number is refused like one out of range.
        return try Parameters.limit(Int(raw) ?? 0, default: fallback, max: max)
    }

    func query(_ name: String) -> String? { uri.queryParameters.get(name).flatMap { $0.isEmpty ? nil : $0 } }
}
