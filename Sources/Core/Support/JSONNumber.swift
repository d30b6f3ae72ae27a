import Foundation

/// A JSON number kept as written: an integer of any size keeps every digit (a 19-digit TikTok id
/// survives parsing, storage and the API), a decimal keeps its text. Arithmetic reads `double`.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    /// The number as JSON text.
    public let text: String
    /// Whether the text is an integer (no fraction, no exponent).
    public let isInteger: Bool

    /// A number whose text has already been checked against JSON's grammar.
    init(validated text: String) {
        self.text = text == "-0" ? "0" : text
        self.isInteger =
            text != "null" && !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    public init<I: BinaryInteger>(_ value: I) { self.init(validated: String(value)) }

    /// Integral values print without a fraction, others in Swift's shortest round-trip form;
    /// NaN and infinities, which JSON cannot hold, become `null` (`isFinite` is false).
    public init(_ value: Double) {
        if value.isFinite, value.rounded() == value, abs(value) < 1e15 {
            self.init(validated: String(Int64(value)))
        } else {
            self.init(validated: value.isFinite ? "\(value)" : "null")
        }
    }

    /// Parses a JSON number literal; nil for anything else.
    public init?(_ text: String) {
        guard let parsed = try? JSONText.parse(Data(text.utf8)), case .number(let number) = parsed else { return nil }
        self = number
    }

    public init(integerLiteral value: Int) { self.init(value) }
    public init(floatLiteral value: Double) { self.init(value) }

    public var double: Double { Double(text) ?? .nan }
    /// The exact integer, when the number is one that fits `Int`; a decimal is truncated.
    public var int: Int? { isInteger ? Int(text) : (double.isFinite && abs(double) < 9.2e18 ? Int(double) : nil) }
    public var isFinite: Bool { text != "null" }
    public var description: String { text }

    /// Integers compare by their digits; anything else by value.
    public static func == (a: JSONNumber, b: JSONNumber) -> Bool {
        a.isInteger && b.isInteger ? a.text == b.text : a.double == b.double
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(double)
    }
}
