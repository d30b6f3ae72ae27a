import Core

/// An SQL statement and its parameters, written as one string: every interpolated value is bound
/// as a parameter (`$n`, numbered for you) and never spliced into the text.
///
///     let query: SQLQuery = "SELECT \(columns) FROM tiktok_briefs WHERE id = \(id) AND status = \(status)"
///
/// Another `SQLQuery` interpolated (a column list, a condition built elsewhere) is spliced in with
/// its own parameters renumbered; `\(unescaped:)` splices trusted SQL text such as a number
/// computed by the caller.
public struct SQLQuery: Sendable, Equatable, ExpressibleByStringInterpolation {
    /// The text pieces around the parameters: `pieces.count == binds.count + 1`.
    private var pieces: [String]
    /// The parameters, in the order of their `$n`.
    public private(set) var binds: [SQLValue]

    /// The statement text with `$1 ... $n` where the parameters go.
    public private(set) var sql: String

    public init(stringLiteral value: String) {
        pieces = [value]
        binds = []
        sql = value
    }

    public init(stringInterpolation: StringInterpolation) {
        pieces = stringInterpolation.query.pieces
        binds = stringInterpolation.query.binds
        sql = Self.render(pieces)
    }

    private static func render(_ pieces: [String]) -> String {
        var text = pieces[0]
        for index in 1..<pieces.count {
            text += "$" + String(index) + pieces[index]
        }
        return text
    }

    /// Trusted SQL text with no parameters.
    public init(unescaped text: String) {
        self.init(stringLiteral: text)
    }

    /// Appends `other`, its parameters after this query's.
    public mutating func append(_ other: SQLQuery) {
        pieces[pieces.count - 1] += other.pieces[0]
        pieces += other.pieces.dropFirst()
        binds += other.binds
        sql = Self.render(pieces)
    }

    public static func + (lhs: SQLQuery, rhs: SQLQuery) -> SQLQuery {
        var joined = lhs
        joined.append(rhs)
        return joined
    }

    /// The parts joined by `separator` (`", "`, `" AND "`), each keeping its parameters.
    public static func joined(_ parts: [SQLQuery], separator: String) -> SQLQuery {
        var joined: SQLQuery = ""
        for (index, part) in parts.enumerated() {
            if index > 0 { joined.append(SQLQuery(unescaped: separator)) }
            joined.append(part)
        }
        return joined
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var query = SQLQuery(stringLiteral: "")

        public init(literalCapacity: Int, interpolationCount: Int) {
            query.pieces.reserveCapacity(interpolationCount + 1)
        }

        /// Pieces and binds only; the text is rendered once the interpolation ends.
        public mutating func appendLiteral(_ literal: String) {
            query.pieces[query.pieces.count - 1] += literal
        }

        /// Binds `value` as the next parameter.
        public mutating func appendInterpolation(_ value: some SQLEncodable) {
            bind(value.sqlValue)
        }

        /// Binds `value` as the next parameter, SQL `NULL` when it is `nil`.
        public mutating func appendInterpolation<Wrapped: SQLEncodable>(_ value: Wrapped?) {
            bind(value.sqlValue)
        }

        private mutating func bind(_ value: SQLValue) {
            query.binds.append(value)
            query.pieces.append("")
        }

        /// Splices another query (a column list, a condition) with its parameters.
        public mutating func appendInterpolation(_ fragment: SQLQuery) {
            query.append(fragment)
        }

        /// Splices trusted text: an identifier or a number the caller computed, never user input.
        public mutating func appendInterpolation(unescaped text: String) {
            appendLiteral(text)
        }

        /// Splices a whole number as text (a `LIMIT`), which cannot carry SQL.
        public mutating func appendInterpolation(literal number: Int) {
            appendLiteral(String(number))
        }
    }
}

extension SQLQuery: CustomStringConvertible {
    public var description: String { sql }
}
