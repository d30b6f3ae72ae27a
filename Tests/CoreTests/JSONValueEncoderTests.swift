import Foundation
import Testing

@testable import Core

/// `JSONValue.from` builds the value directly; these compare it with what `JSONCoding.encoder()`
/// writes, parsed back, down to each number's text.
@Suite struct JSONValueEncoderTests {
    func expectSame<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let viaText = try JSONText.parse(JSONCoding.encoder().encode(value))
        let direct = try JSONValueEncoder.encode(value)
        #expect(direct == viaText, sourceLocation: sourceLocation)
        #expect(direct.jsonString == viaText.jsonString, sourceLocation: sourceLocation)
    }

    struct Profile: Codable {
        enum Tier: String, Codable { case free, proPlan }
        var userID: Int
        var displayName: String
        var avatarURL: URL
        var followerCount: Int64?
        var engagementRate: Double
        var lastPostAt: Date
        var tier: Tier
        var tags: [String]
        var countsByDay: [String: Int]
        var nested: Nested?
        var rawBytes: Data
        var price: Decimal
        var ratio: Float
        var big: UInt64
        var flags: [Bool?]
    }

    struct Nested: Codable {
        var isHTTPSOnly: Bool
        var videoIDs: [String]
        var x2y: Int
        var _leading: Int
        var aB: Int
        var camelCase2Words: Int
    }

    static let profile = Profile(
        userID: 7, displayName: "Brand", avatarURL: URL(string: "https://example.com/a b?x=1")!, followerCount: nil,
        engagementRate: 0.1, lastPostAt: Date(timeIntervalSince1970: 1_764_000_000.123), tier: .proPlan, tags: ["a", "é"],
        countsByDay: ["mondayMorning": 3, "2026-12-01": 4],
        nested: Nested(isHTTPSOnly: true, videoIDs: ["7"], x2y: 1, _leading: 2, aB: 5, camelCase2Words: 6),
        rawBytes: Data([0, 1, 2, 250]), price: Decimal(string: "19.990")!, ratio: 0.25, big: .max, flags: [true, nil, false])

    @Test func aModelWithEveryKindOfFieldBuildsWhatTheEncoderWrites() throws {
        try expectSame(Self.profile)
        try expectSame([Self.profile, Self.profile])
        try expectSame(["profileByHandle": Self.profile])
    }

    @Test func numbersKeepTheTextTheEncoderPrints() throws {
        for value in [0.0, -0.0, 1.0, 0.1, 1e15, 1e16, 1e-7, 123_456_789.123, -2.5, 1.0 / 3.0, Double.greatestFiniteMagnitude] {
            try expectSame(["value": value])
        }
        for value: Float in [0.1, 3, 1e20] { try expectSame([value]) }
        try expectSame([Int.min, Int.max, 0])
        try expectSame(["cost": Decimal(string: "0.000123")!, "whole": Decimal(5)])
    }

    @Test func documentsAlreadyJSONComeThroughAsTheEncoderWritesThem() throws {
        let document: JSONValue = [
            "id": .number(JSONNumber("7351234567890123456")!), "score": .number(JSONNumber("1.50")!), "camelKey": ["innerKey": .null],
            "items": [1, "two", true, .null, [:]],
        ]
        try expectSame(document)
        try expectSame(["wrapped": document])
    }

    @Test func enumsWithPayloadsAndOptionalsEncodeAlike() throws {
        enum Outcome: Codable {
            case posted(videoID: String, atTime: Date)
            case skipped(reason: String?)
            case none
        }
        try expectSame([Outcome.posted(videoID: "1", atTime: Date(timeIntervalSince1970: 0)), .skipped(reason: nil), .none])
        struct Sparse: Codable {
            var maybeValue: String?
            var alsoMaybe: Int?
        }
        try expectSame(Sparse(maybeValue: nil, alsoMaybe: 3))
    }

    @Test func handWrittenEncodingsWithNestedAndSuperContainersEncodeAlike() throws {
        struct Custom: Encodable {
            enum Keys: String, CodingKey { case outerKey, listKey, parentKey }
            enum Inner: String, CodingKey { case innerValue }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                var inner = container.nestedContainer(keyedBy: Inner.self, forKey: .outerKey)
                try inner.encode(1, forKey: .innerValue)
                var list = container.nestedUnkeyedContainer(forKey: .listKey)
                try list.encode("a")
                var deeper = list.nestedContainer(keyedBy: Inner.self)
                try deeper.encode(Date(timeIntervalSince1970: 5), forKey: .innerValue)
                var nestedList = list.nestedUnkeyedContainer()
                try nestedList.encodeNil()
                try ["kept": 1].encode(to: container.superEncoder(forKey: .parentKey))
                try "base".encode(to: container.superEncoder())
            }
        }
        try expectSame(Custom())
        struct Empty: Encodable { func encode(to encoder: any Encoder) throws {} }
        try expectSame(["emptyThing": Empty()])
    }

    @Test func keysConvertLikeTheEncoders() throws {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        struct Keys: Encodable {
            var names: [String]
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                for name in names { try container.encode(name, forKey: Key(stringValue: name)) }
            }
        }
        let names = [
            "a", "abc", "myURLProperty", "URLProperty", "userID", "HTTPSURL", "a1B", "x2Y3z", "version2Name", "_private", "__double",
            "trailing_", "snake_case_already", "mixed_andCamel", "ÉtéCase", "straßeName", "ID", "I", "aBC", "aBCd", "with space", "",
            "dash-CaseX", "aB1", "AB1c", "a1BC2d", "v2API", "x9",
        ]
        try expectSame(Keys(names: names))
    }

    @Test func nonFiniteNumbersAreRefusedAsByTheEncoder() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode(["x": Double.nan]) }
        #expect(throws: EncodingError.self) { try JSONCoding.encoder().encode(["x": Double.nan]) }
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode([Float.infinity]) }
        struct Deep: Encodable { var innerList: [[String: Double]] }
        func path(_ encode: () throws -> Any) -> [String] {
            guard case .invalidValue(_, let context)? = #expect(throws: EncodingError.self, performing: { _ = try encode() }) else {
                return ["?"]
            }
            return context.codingPath.map(\.stringValue)
        }
        let deep = Deep(innerList: [["fine": 1], ["badValue": .infinity]])
        let direct = path { try JSONValueEncoder.encode(deep) }
        // The whole path to the value (Foundation's encoder leaves the array's index out).
        #expect(direct == ["innerList", "Index 1", "badValue"])
    }
}
