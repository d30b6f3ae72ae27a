import Foundation

/// Builds the `JSONValue` that `JSONCoding.encoder()` would write for an `Encodable` value,
/// without the JSON text in between: snake_case keys (a `String`-keyed dictionary keeps its
/// keys), `Timestamp` dates, base64 data, URLs as their absolute string, decimals and floating
/// point numbers printed as Foundation prints them, and an error for NaN or an infinity.
enum JSONValueEncoder {
    static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        try box(value, at: .root, Names()).resolved
    }

    /// A value being built: containers stay open to their encoders until the whole tree is done.
    fileprivate enum Slot {
        case value(JSONValue)
        case object(ObjectBox)
        case array(ArrayBox)
        case encoder(TreeEncoder)

        var resolved: JSONValue {
            switch self {
            case .value(let value): value
            case .object(let box): .object(box.slots.mapValues(\.resolved))
            case .array(let box): .array(box.slots.map(\.resolved))
            case .encoder(let encoder): encoder.slot?.resolved ?? .object([:])
            }
        }
    }

    fileprivate final class ObjectBox {
        var slots: [String: Slot] = [:]
    }

    fileprivate final class ArrayBox {
        var slots: [Slot] = []
    }

    /// Where a value sits, built only as deep as the value and read only when someone asks.
    fileprivate indirect enum Path {
        case root
        case child(Path, any CodingKey)

        func appending(_ key: any CodingKey) -> Path { .child(self, key) }

        var keys: [any CodingKey] {
            guard case .child(let parent, let key) = self else { return [] }
            return parent.keys + [key]
        }
    }

    /// Each key's snake_case name, worked out once per conversion (the elements of an array
    /// share their keys).
    fileprivate final class Names {
        private var converted: [String: String] = [:]

        func callAsFunction(_ key: some CodingKey) -> String {
            let raw = key.stringValue
            if let name = converted[raw] { return name }
            let name = JSONValueEncoder.snakeCase(raw)
            converted[raw] = name
            return name
        }
    }

    fileprivate static func box<T: Encodable>(_ value: T, at path: Path, _ names: Names) throws -> Slot {
        if T.self == Date.self { return .value(.string(Timestamp.format(value as! Date))) }
        if T.self == Data.self { return .value(.string((value as! Data).base64EncodedString())) }
        if T.self == URL.self { return .value(.string((value as! URL).absoluteString)) }
        if T.self == Decimal.self { return .value(.number(JSONNumber(validated: (value as! Decimal).description))) }
        if let dictionary = value as? any StringKeyedEncodable { return .value(.object(try dictionary.entries(at: path, names))) }
        let encoder = TreeEncoder(path: path, names: names)
        try value.encode(to: encoder)
        return encoder.slot ?? .value(.object([:]))
    }

    fileprivate static func number<F: FloatingPoint & CustomStringConvertible>(_ value: F, at path: Path) throws -> JSONValue {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: path.keys, debugDescription: "Unable to encode \(value) directly in JSON."))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return .number(JSONNumber(validated: text))
    }

    fileprivate static func number<I: FixedWidthInteger>(_ value: I) -> JSONValue { .number(JSONNumber(validated: String(value))) }

    /// `JSONEncoder.KeyEncodingStrategy.convertToSnakeCase`: a word starts at each uppercase
    /// letter, a run of uppercase letters (an acronym) is a word of its own up to the last one
    /// before a lowercase letter (a digit is neither), and the words are lowercased and joined
    /// with `_`.
    static func snakeCase(_ key: String) -> String {
        let bytes = Array(key.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else {
            return words(Array(key), isUpper: \.isUppercase, isLower: \.isLowercase).map { String($0).lowercased() }.joined(separator: "_")
        }
        guard bytes.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { return key }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 4)
        let pieces = words(
            bytes, isUpper: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") },
            isLower: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") })
        for (index, word) in pieces.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "_")) }
            for byte in word { out.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func words<Element>(_ text: [Element], isUpper: (Element) -> Bool, isLower: (Element) -> Bool) -> [ArraySlice<Element>] {
        guard !text.isEmpty else { return [text[...]] }
        var words: [ArraySlice<Element>] = []
        var wordStart = 0
        var search = 1
        while let upper = (search..<text.count).first(where: { isUpper(text[$0]) }) {
            words.append(text[wordStart..<upper])
            guard let lower = (upper..<text.count).first(where: { isLower(text[$0]) }) else {
                wordStart = upper
                break
            }
            if lower == upper + 1 {
                wordStart = upper
            } else {
                words.append(text[upper..<(lower - 1)])
                wordStart = lower - 1
            }
            search = lower + 1
        }
        words.append(text[wordStart..<text.count])
        return words
    }
}

/// A `String`-keyed dictionary, whose keys `JSONEncoder` writes as they are.
private protocol StringKeyedEncodable {
    func entries(at path: JSONValueEncoder.Path, _ names: JSONValueEncoder.Names) throws -> [String: JSONValue]
}

extension Dictionary: StringKeyedEncodable where Key == String, Value: Encodable {
    fileprivate func entries(at path: JSONValueEncoder.Path, _ names: JSONValueEncoder.Names) throws -> [String: JSONValue] {
        var entries: [String: JSONValue] = [:]
        entries.reserveCapacity(count)
        for (key, value) in self { entries[key] = try JSONValueEncoder.box(value, at: path.appending(EntryKey(key)), names).resolved }
        return entries
    }
}

private struct IndexKey: CodingKey {
    var stringValue: String { "Index \(index)" }
    var intValue: Int? { index }
    let index: Int
    init(_ index: Int) { self.index = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.index = intValue }
}

private struct EntryKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ key: String) { stringValue = key }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private struct SuperKey: CodingKey {
    var stringValue: String { "super" }
    var intValue: Int? { nil }
    init() {}
    init?(stringValue: String) { nil }
    init?(intValue: Int) { nil }
}

private final class TreeEncoder: Encoder {
    let path: JSONValueEncoder.Path
    let names: JSONValueEncoder.Names
    var codingPath: [any CodingKey] { path.keys }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var slot: JSONValueEncoder.Slot?

    init(path: JSONValueEncoder.Path, names: JSONValueEncoder.Names) {
        self.path = path
        self.names = names
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: JSONValueEncoder.ObjectBox
        if case .object(let existing) = slot {
            box = existing
        } else {
            box = JSONValueEncoder.ObjectBox()
            slot = .object(box)
        }
        return KeyedEncodingContainer(KeyedContainer<Key>(box: box, path: path, names: names))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: JSONValueEncoder.ArrayBox
        if case .array(let existing) = slot {
            box = existing
        } else {
            box = JSONValueEncoder.ArrayBox()
            slot = .array(box)
        }
        return UnkeyedContainer(box: box, path: path, names: names)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(encoder: self) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: JSONValueEncoder.ObjectBox
    let path: JSONValueEncoder.Path
    let names: JSONValueEncoder.Names
    var codingPath: [any CodingKey] { path.keys }

    private func set(_ value: JSONValue, _ key: Key) { box.slots[names(key)] = .value(value) }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(try JSONValueEncoder.number(value, at: path.appending(key)), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(try JSONValueEncoder.number(value, at: path.appending(key)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(JSONValueEncoder.number(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(JSONValueEncoder.number(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(JSONValueEncoder.number(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(JSONValueEncoder.number(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(JSONValueEncoder.number(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(JSONValueEncoder.number(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(JSONValueEncoder.number(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(JSONValueEncoder.number(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(JSONValueEncoder.number(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(JSONValueEncoder.number(value), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        box.slots[names(key)] = try JSONValueEncoder.box(value, at: path.appending(key), names)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<
        NestedKey
    > {
        let name = names(key)
        let nested: JSONValueEncoder.ObjectBox
        if case .object(let existing)? = box.slots[name] {
            nested = existing
        } else {
            nested = JSONValueEncoder.ObjectBox()
            box.slots[name] = .object(nested)
        }
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: nested, path: path.appending(key), names: names))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let name = names(key)
        let nested: JSONValueEncoder.ArrayBox
        if case .array(let existing)? = box.slots[name] {
            nested = existing
        } else {
            nested = JSONValueEncoder.ArrayBox()
            box.slots[name] = .array(nested)
        }
        return UnkeyedContainer(box: nested, path: path.appending(key), names: names)
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: "super", key: SuperKey()) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: names(key), key: key) }

    private func superEncoder(named name: String, key: any CodingKey) -> any Encoder {
        let encoder = TreeEncoder(path: path.appending(key), names: names)
        box.slots[name] = .encoder(encoder)
        return encoder
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let box: JSONValueEncoder.ArrayBox
    let path: JSONValueEncoder.Path
    let names: JSONValueEncoder.Names
    var codingPath: [any CodingKey] { path.keys }
    var count: Int { box.slots.count }

    private var nextPath: JSONValueEncoder.Path { path.appending(IndexKey(count)) }
    private func append(_ value: JSONValue) { box.slots.append(.value(value)) }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(try JSONValueEncoder.number(value, at: nextPath)) }
    mutating func encode(_ value: Float) throws { append(try JSONValueEncoder.number(value, at: nextPath)) }
    mutating func encode(_ value: Int) throws { append(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: Int8) throws { append(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: Int16) throws { append(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: Int32) throws { append(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: Int64) throws { append(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: UInt) throws { append(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: UInt8) throws { append(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: UInt16) throws { append(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: UInt32) throws { append(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: UInt64) throws { append(JSONValueEncoder.number(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { box.slots.append(try JSONValueEncoder.box(value, at: nextPath, names)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        let nested = JSONValueEncoder.ObjectBox()
        box.slots.append(.object(nested))
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: nested, path: path, names: names))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        let nested = JSONValueEncoder.ArrayBox()
        box.slots.append(.array(nested))
        return UnkeyedContainer(box: nested, path: path, names: names)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = TreeEncoder(path: nextPath, names: names)
        box.slots.append(.encoder(encoder))
        return encoder
    }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func set(_ value: JSONValue) { encoder.slot = .value(value) }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(try JSONValueEncoder.number(value, at: encoder.path)) }
    mutating func encode(_ value: Float) throws { set(try JSONValueEncoder.number(value, at: encoder.path)) }
    mutating func encode(_ value: Int) throws { set(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: Int8) throws { set(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: Int16) throws { set(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: Int32) throws { set(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: Int64) throws { set(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: UInt) throws { set(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: UInt8) throws { set(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: UInt16) throws { set(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: UInt32) throws { set(JSONValueEncoder.number(value)) }
    mutating func encode(_ value: UInt64) throws { set(JSONValueEncoder.number(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        encoder.slot = try JSONValueEncoder.box(value, at: encoder.path, encoder.names)
    }
}
