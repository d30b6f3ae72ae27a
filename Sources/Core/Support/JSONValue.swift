import Foundation

/// An arbitrary JSON document: agent inputs and outputs, event payloads, `jsonb` columns.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Decimal.self), let number = JSONNumber(value.description) {
            // Foundation's JSON coders carry a number's digits into `Decimal` exactly (38 of them).
            self = .number(number)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.isInteger, let exact = Int64(value.text) {
                try container.encode(exact)
            } else if let exact = Decimal(string: value.text, locale: Locale(identifier: "en_US_POSIX")), !exact.isNaN {
                try container.encode(exact)
            } else if value.isFinite {
                try container.encode(value.double)
            } else {
                try container.encodeNil()
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Parses JSON text.
    public static func parse(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { try JSONText.parse($0) }
    }

    /// Parses JSON bytes.
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONText.parse(data)
    }

    /// Compact JSON text with sorted keys, so equal values print equally.
    public var jsonString: String { JSONText.serialize(self) }

    /// Converts any `Encodable` value into a `JSONValue` using the project's snake_case coding.
    /// The value is built directly, as `JSONCoding.encoder()` would write it, with no JSON text
    /// in between (`JSONValueEncoder`).
    public static func from<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONValueEncoder.encode(value)
    }

    /// Decodes this value into a `Decodable` type using the project's snake_case coding.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONCoding.decoder().decode(T.self, from: Data(jsonString.utf8))
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var numberValue: JSONNumber? { if case .number(let n) = self { return n } else { return nil } }
    /// An id as text: a string as is, a number exactly as written (a 19-digit id stays exact).
    public var idText: String? { stringValue ?? numberValue?.text }
    public var doubleValue: Double? { numberValue?.double }
    public var intValue: Int? { numberValue?.int }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }
    public var isNull: Bool { self == .null }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue {
    /// An object with `other`'s keys added (or replaced).
    public func merging(_ other: JSONValue) -> JSONValue {
        guard case .object(var mine) = self, case .object(let theirs) = other else { return self }
        for (key, value) in theirs { mine[key] = value }
        return .object(mine)
    }

    /// An object without `key`.
    public func removing(_ key: String) -> JSONValue {
        guard case .object(var mine) = self else { return self }
        mine[key] = nil
        return .object(mine)
    }
}

extension JSONValue {
    /// A number from a `Double` (integral values print without a fraction).
    public static func number(_ value: Double) -> JSONValue { .number(JSONNumber(value)) }
    /// An integer, every digit kept.
    public static func number(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
}
