import Core
import Foundation
import OpenAPIRuntime

/// Errors from the generated server code, in the API's terms: a request the contract refused is a
/// 4xx naming the field (`unknown field colour`, `name must be a string`, `role is required`); an
/// error a handler threw is answered as that error.
enum ContractErrors {
    /// The `AppError` for `error`, or nil when it is not the generated code's.
    static func appError(_ error: ServerError, mapping underlying: (any Error) -> AppError) -> AppError {
        if let decoding = error.underlyingError as? DecodingError { return .invalidInput(message(decoding)) }
        let mapped = underlying(error.underlyingError)
        if mapped.status < 500 { return mapped }
        switch error.httpStatus.code {
        case 415: return AppError(code: "unsupported_media_type", message: "send the body as application/json", status: 415)
        case 406: return AppError(code: "not_acceptable", message: "this operation answers application/json", status: 406)
        case 400..<500 where error.causeDescription.contains("Missing required request body"):
            return .invalidInput("the body is not a JSON object")
        case 400..<500: return .invalidInput(error.causeDescription)
        default: return mapped
        }
    }

    /// A decoding error as one sentence naming the field.
    static func message(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("") { text, key in
                if let index = key.intValue { return text + "[\(index)]" }
                return text.isEmpty ? key.stringValue : text + "." + key.stringValue
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return "\(field) is required"
        case .valueNotFound(_, let context):
            return "\(path(context.codingPath)) must not be null"
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            return field.isEmpty ? "the body is not a JSON object" : "\(field) must be \(describe(type))"
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if context.debugDescription.hasPrefix("Additional properties are disabled") { return "unknown field \(field)" }
            if field.isEmpty { return "the body is not a JSON object" }
            if context.debugDescription.hasPrefix("Cannot initialize") { return "\(field) is not one of the values the API allows" }
            return "\(field) is not valid"
        @unknown default:
            return "the body does not match the API"
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "of the type the API states"
        }
    }
}
