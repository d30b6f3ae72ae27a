import Core
import Foundation

/// The rows a statement returned, copied out of libpq as text.
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rawRows: [[String?]]
    /// Rows inserted, updated or deleted.
    public let affectedRows: Int

    init(columns: [String], rows: [[String?]], affectedRows: Int) {
        self.columns = columns
        self.rawRows = rows
        self.affectedRows = affectedRows
    }

    /// The rows, each readable by column name.
    public var rows: [Row] {
        let index = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return rawRows.map { Row(index: index, values: $0) }
    }

    /// The first row, if any.
    public var first: Row? { rows.first }
}

/// One result row with typed accessors that throw `DatabaseError.decoding` naming the column.
public struct Row: Sendable {
    let index: [String: Int]
    let values: [String?]

    /// The raw text of a column, `nil` for SQL NULL or an unknown column.
    public subscript(_ column: String) -> String? {
        guard let i = index[column] else { return nil }
        return values[i]
    }

    private func required(_ column: String) throws(DatabaseError) -> String {
        guard index[column] != nil else { throw DatabaseError(kind: .decoding, message: "no column \(column) in result") }
        guard let value = self[column] else { throw DatabaseError(kind: .decoding, message: "column \(column) is NULL") }
        return value
    }

    private func failure(_ column: String, _ type: String) -> DatabaseError {
        DatabaseError(kind: .decoding, message: "column \(column) is not \(type)")
    }

    public func string(_ column: String) throws(DatabaseError) -> String { try required(column) }
    public func optionalString(_ column: String) -> String? { self[column] }

    public func int(_ column: String) throws(DatabaseError) -> Int {
        guard let value = Int(try required(column)) else { throw failure(column, "an integer") }
        return value
    }
    public func optionalInt(_ column: String) throws(DatabaseError) -> Int? {
        self[column] == nil ? nil : try int(column)
    }

    public func double(_ column: String) throws(DatabaseError) -> Double {
        guard let value = Double(try required(column)) else { throw failure(column, "a number") }
        return value
    }
    public func optionalDouble(_ column: String) throws(DatabaseError) -> Double? {
        self[column] == nil ? nil : try double(column)
    }

    public func bool(_ column: String) throws(DatabaseError) -> Bool {
        switch try required(column) {
        case "t", "true": return true
        case "f", "false": return false
        default: throw failure(column, "a boolean")
        }
    }

    public func date(_ column: String) throws(DatabaseError) -> Date {
        guard let value = Timestamp.parse(try required(column)) else { throw failure(column, "a timestamp") }
        return value
    }
    public func optionalDate(_ column: String) throws(DatabaseError) -> Date? {
        self[column] == nil ? nil : try date(column)
    }

    public func id<Entity>(_ column: String, as _: Entity.Type = Entity.self) throws(DatabaseError) -> ID<Entity> {
        guard let value = ID<Entity>(try required(column)) else { throw failure(column, "a UUID") }
        return value
    }
    public func optionalID<Entity>(_ column: String, as _: Entity.Type = Entity.self) throws(DatabaseError) -> ID<Entity>? {
        self[column] == nil ? nil : try id(column)
    }

    public func uuid(_ column: String) throws(DatabaseError) -> UUID {
        guard let value = UUID(uuidString: try required(column)) else { throw failure(column, "a UUID") }
        return value
    }

    public func json(_ column: String) throws(DatabaseError) -> JSONValue {
        let text = try required(column)
        guard let value = try? JSONValue.parse(text) else { throw failure(column, "JSON") }
        return value
    }
    /// `nil` for SQL `NULL` or a missing column; JSON's own `null` is `.null`.
    public func optionalJSON(_ column: String) throws(DatabaseError) -> JSONValue? {
        guard self[column] != nil else { return nil }
        return try json(column)
    }

    public func enumeration<E: RawRepresentable>(_ column: String, as _: E.Type = E.self) throws(DatabaseError) -> E
    where E.RawValue == String {
        guard let value = E(rawValue: try required(column)) else { throw failure(column, "a known \(E.self)") }
        return value
    }

    /// A `text[]` column as Swift strings.
    public func stringArray(_ column: String) throws(DatabaseError) -> [String] {
        guard let value = PostgresArray.parse(try required(column)) else { throw failure(column, "a text array") }
        return value
    }
}

/// Parses Postgres's text form of a one-dimensional array.
enum PostgresArray {
    static func parse(_ text: String) -> [String]? {
        var chars = Substring(text)
        guard chars.first == "{", chars.last == "}" else { return nil }
        chars = chars.dropFirst().dropLast()
        var out: [String] = []
        var current = ""
        var quoted = false
        var wasQuoted = false
        var escaping = false
        for c in chars {
            if escaping {
                current.append(c)
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else if c == "\"" {
                quoted.toggle()
                wasQuoted = true
            } else if c == ",", !quoted {
                out.append(current)
                current = ""
                wasQuoted = false
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty || wasQuoted || !out.isEmpty { out.append(current) }
        return out
    }
}
