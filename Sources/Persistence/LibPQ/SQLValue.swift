import Core
import Foundation

/// A query parameter, sent to the server as text next to (never inside) the SQL.
public struct SQLValue: Sendable, Equatable {
    /// The text form Postgres parses for the parameter's type; `nil` is SQL NULL.
    public let text: String?
    public init(text: String?) { self.text = text }
    public static let null = SQLValue(text: nil)
}

/// Something that can be bound as a query parameter.
public protocol SQLEncodable: Sendable {
    var sqlValue: SQLValue { get }
}

extension SQLValue: SQLEncodable {
    public var sqlValue: SQLValue { self }
}
extension String: SQLEncodable {
    public var sqlValue: SQLValue { SQLValue(text: self) }
}
extension Int: SQLEncodable {
    public var sqlValue: SQLValue { SQLValue(text: String(self)) }
}
extension Double: SQLEncodable {
    public var sqlValue: SQLValue { SQLValue(text: String(self)) }
}
extension Bool: SQLEncodable {
    public var sqlValue: SQLValue { SQLValue(text: self ? "true" : "false") }
}
extension UUID: SQLEncodable {
    public var sqlValue: SQLValue { SQLValue(text: lowercasedString) }
}
extension ID: SQLEncodable {
    public var sqlValue: SQLValue { SQLValue(text: description) }
}
extension Date: SQLEncodable {
    public var sqlValue: SQLValue { SQLValue(text: Timestamp.format(self)) }
}
extension JSONValue: SQLEncodable {
    public var sqlValue: SQLValue { SQLValue(text: jsonString) }
}
extension Optional: SQLEncodable where Wrapped: SQLEncodable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}
extension Array: SQLEncodable where Element == String {
    /// A Postgres `text[]` literal with every element quoted and escaped.
    public var sqlValue: SQLValue {
        let quoted = map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        return SQLValue(text: "{" + quoted.joined(separator: ",") + "}")
    }
}
extension RawRepresentable where RawValue == String, Self: Sendable {
    public var sqlValue: SQLValue { SQLValue(text: rawValue) }
}
