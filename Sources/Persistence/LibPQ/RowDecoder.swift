import Core
import Foundation

extension Row {
    /// The row as a `Decodable` model: each property reads the column of its snake_case name
    /// (`workspaceId` reads `workspace_id`). Text, numbers, booleans, timestamps, UUIDs, typed
    /// ids, string enums, `text[]` (as `[String]`) and `jsonb` (as `JSONValue` or any `Decodable`) are read from
    /// Postgres's text form; an optional property is `nil` for SQL NULL or a column not selected.
    /// Throws `DatabaseError.decoding` naming the column.
    public func decode<T: Decodable>(_: T.Type = T.self) throws(DatabaseError) -> T {
        do {
            return try T(from: RowDecoder(row: self))
        } catch let error as DatabaseError {
            throw error
        } catch {
            throw DatabaseError(kind: .decoding, message: "\(T.self): \(error)")
        }
    }
}

/// The column a Swift property name reads: `costUsd` -> `cost_usd`.
func columnName(_ property: String) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(property.utf8.count + 4)
    for byte in property.utf8 {
        if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") {
            bytes.append(UInt8(ascii: "_"))
            bytes.append(byte + 32)
        } else {
            bytes.append(byte)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

private struct RowDecoder: Decoder {
    let row: Row
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy _: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Columns(row: row))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DatabaseError(kind: .decoding, message: "a row decodes into a keyed model")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DatabaseError(kind: .decoding, message: "a row decodes into a keyed model")
    }
}

private struct Columns<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let row: Row
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { row.index.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { row.index[columnName(key.stringValue)] != nil }

    func decodeNil(forKey key: Key) throws -> Bool { row[columnName(key.stringValue)] == nil }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try read(type, columnName(key.stringValue)) }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        let column = columnName(key.stringValue)
        return row[column] == nil ? nil : try read(type, column)
    }

    private func read<T: Decodable>(_ type: T.Type, _ column: String) throws -> T {
        if type == JSONValue.self { return try row.json(column) as! T }
        if type == [String].self, row[column]?.first == "{" { return try row.stringArray(column) as! T }
        return try Column(row: row, name: column).value(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        throw DatabaseError(kind: .decoding, message: "column \(columnName(key.stringValue)) is not a nested row")
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw DatabaseError(kind: .decoding, message: "column \(columnName(key.stringValue)) is not a nested row")
    }

    func superDecoder() throws -> any Decoder { RowDecoder(row: row) }
    func superDecoder(forKey _: Key) throws -> any Decoder { RowDecoder(row: row) }
}

/// One column read as a single value through `Row`'s typed accessors: its type's own
/// `Decodable` (a typed id, an enum) asks for a string, number, boolean, date or UUID; a
/// structure or collection is `jsonb`.
private struct Column: Decoder, SingleValueDecodingContainer {
    let row: Row
    let name: String
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func value<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is Date.Type: return try row.date(name) as! T
        case is UUID.Type: return try row.uuid(name) as! T
        case is Decimal.Type:
            guard let decimal = Decimal(string: try row.string(name), locale: Locale(identifier: "en_US_POSIX")) else {
                throw failure("a number")
            }
            return decimal as! T
        default:
            do {
                return try T(from: self)
            } catch is Structured {
                do { return try row.json(name).decode(type) } catch let error as DatabaseError { throw error } catch {
                    throw failure("a JSON \(T.self)")
                }
            } catch let error as DatabaseError {
                throw error
            } catch {
                throw failure("a known \(T.self)")
            }
        }
    }

    private func failure(_ what: String) -> DatabaseError {
        DatabaseError(kind: .decoding, message: "column \(name) is not \(what)")
    }

    /// Raised when the type wants a container: the column holds JSON.
    private struct Structured: Error {}

    func container<Key: CodingKey>(keyedBy _: Key.Type) throws -> KeyedDecodingContainer<Key> { throw Structured() }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw Structured() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { row[name] == nil }
    func decode(_: String.Type) throws -> String { try row.string(name) }
    func decode(_: Bool.Type) throws -> Bool { try row.bool(name) }
    func decode(_: Double.Type) throws -> Double { try row.double(name) }
    func decode(_: Float.Type) throws -> Float { Float(try row.double(name)) }
    func decode(_: Int.Type) throws -> Int { try row.int(name) }
    func decode(_: Int8.Type) throws -> Int8 { try integer() }
    func decode(_: Int16.Type) throws -> Int16 { try integer() }
    func decode(_: Int32.Type) throws -> Int32 { try integer() }
    func decode(_: Int64.Type) throws -> Int64 { try integer() }
    func decode(_: UInt.Type) throws -> UInt { try integer() }
    func decode(_: UInt8.Type) throws -> UInt8 { try integer() }
    func decode(_: UInt16.Type) throws -> UInt16 { try integer() }
    func decode(_: UInt32.Type) throws -> UInt32 { try integer() }
    func decode(_: UInt64.Type) throws -> UInt64 { try integer() }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try value(type) }

    private func integer<I: FixedWidthInteger>() throws -> I {
        guard let value = I(exactly: try row.int(name)) else { throw failure("an integer") }
        return value
    }
}
