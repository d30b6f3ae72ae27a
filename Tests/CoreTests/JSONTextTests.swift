import Foundation
import Testing

@testable import Core

@Suite struct JSONTextTests {
    @Test func whatFoundationParsesTheSameParses() throws {
        let text = #"{"a": [1, -2.5, 3e2, 0.001, true, false, null], "b": {"c": "d\"e\\f\/g\n\t\u00e9\ud83d\ude00"}, "": ""}"#
        let mine = try JSONValue.parse(text)
        let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(mine == foundation)
        #expect(mine["b"]?["c"] == "d\"e\\f/g\n\té😀")
        #expect(mine["a"]?.arrayValue?.map { $0.doubleValue ?? -1 }.prefix(4) == [1, -2.5, 300, 0.001])
    }

    @Test func printingThenParsingGivesTheSameValue() throws {
        let value: JSONValue = [
            "z": [1, 2.25, "x\u{1}y", ["nested": nil]], "a": "quote \" backslash \\ tab \t é 😀", "n": -0.000015, "big": 1e20,
        ]
        let text = value.jsonString
        #expect(try JSONValue.parse(text) == value)
        #expect(
            text.hasPrefix(#"{"a":"quote \" backslash \\ tab \t é 😀","big":1e+20,"n":-1.5e-05,"z":[1,2.25,"x\u0001y",{"nested":null}]}"#))
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) == value, "Foundation reads what it prints")
    }

    @Test func integersPrintWithoutAFractionAndNonFiniteNumbersAsNull() {
        #expect(JSONValue.number(42).jsonString == "42")
        #expect(JSONValue.number(-7).jsonString == "-7")
        #expect(JSONValue.number(.nan).jsonString == "null")
        #expect(JSONValue.number(.infinity).jsonString == "null")
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "1e", "-", "tru", "nul", "\"abc", "\"a\u{1}b\"", "[1] 2", "{'a':1}",
        "\"\\x\"", "\"\\ud800\"", "NaN", String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
    ])
    func malformedTextIsRefused(_ text: String) {
        #expect(throws: (any Error).self) { try JSONValue.parse(text) }
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: (any Error).self) { try JSONValue.parse(Data([0x22, 0xFF, 0xFE, 0x22])) }
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0.0), ("2026-11-26 09:20:31.25+00", 1_795_684_831.25), ("2000-02-29T12:00:00+02:00", 951_818_400.0),
        ("1969-12-31T23:59:59.5Z", -0.5), ("2024-12-31T23:59:59-05:30", 1_735_709_399.0),
    ])
    func timestampsParseToTheRightInstant(_ text: String, _ seconds: Double) throws {
        let date = try #require(Timestamp.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 1e-6, "\(text) -> \(date.timeIntervalSince1970)")
    }

    @Test(arguments: [
        "", "2026-11-26", "2026-11-26X09:20:31Z", "2026-13-01T00:00:00Z", "2026-11-26T24:00:00Z", "2026-11-26T09:20:31+0",
        "2026-11-26T09:20:31Zjunk", "２026-11-26T09:20:31Z", "2026-11-26T09:20:3lZ", "-026-11-26T09:20:31Z",
    ])
    func malformedTimestampsAreRefused(_ text: String) {
        #expect(Timestamp.parse(text) == nil, "\(text)")
    }

    @Test func aFractionKeepsItsDigitsAndIgnoresThoseBeyondDoublePrecision() throws {
        let micro = try #require(Timestamp.parse("2026-11-26 09:20:31.000001+00"))
        #expect(micro.timeIntervalSince1970 == 1_795_684_831 + 1e-6)
        let long = try #require(Timestamp.parse("2026-11-26T09:20:31.2500000000000000000001Z"))
        #expect(long.timeIntervalSince1970 == 1_795_684_831.25)
    }
}

@Suite struct DirectJSONTests {
    @Test(arguments: [0.0, 1_795_684_831.25, 951_818_400.999, -0.5, 1_735_709_399.0004, 4_102_444_800.5, -2_208_988_800.125])
    func timestampsPrintAsFoundationPrintsThem(_ seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let foundation = date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        let mine = Timestamp.format(date)
        // Same text, except that Foundation's reference-date arithmetic may land one millisecond
        // lower on a value just under a boundary (…00.999 can print as .998).
        #expect(mine.prefix(20) == foundation.prefix(20))
        let gap = try #require(Timestamp.parse(mine)).timeIntervalSince(try #require(Timestamp.parse(foundation)))
        #expect(gap >= 0 && gap <= 0.001, "\(mine) vs \(foundation)")
        #expect(abs(try #require(Timestamp.parse(mine)).timeIntervalSince1970 - seconds) < 0.001)
    }

    @Test func aRunBuildsTheJSONItsCodableFormGives() throws {
        let now = Date(timeIntervalSince1970: 1_795_684_831.125)
        let full = WorkflowRun(
            id: WorkflowRunID(UUID()), workspaceId: WorkspaceID(UUID()), workflowId: WorkflowID(UUID()), workflowSlug: "profile_audit",
            briefId: BriefID(UUID()), status: .succeeded, input: ["brief": ["handle": "@glowco"]], reportMd: "# Report", error: "none",
            totalCostUsd: 0.0221, totalLatencyMs: 1234, createdAt: now, startedAt: now, completedAt: now.addingTimeInterval(1.5),
            updatedAt: now, replayOf: WorkflowRunID(UUID()))
        #expect(full.json == (try JSONValue.from(full)))
        let bare = WorkflowRun(
            id: WorkflowRunID(UUID()), workspaceId: WorkspaceID(UUID()), workflowSlug: "campaign_launch", status: .running, input: [:],
            totalCostUsd: 0, totalLatencyMs: 0, createdAt: now, updatedAt: now)
        #expect(bare.json == (try JSONValue.from(bare)))
    }

    @Test func aNineteenDigitIdKeepsEveryDigit() throws {
        let text = #"{"big":123456789012345678901234567890,"id":7106594312292453675,"rate":0.1049}"#
        let value = try JSONValue.parse(text)
        #expect(value.jsonString == text)
        #expect(value["id"]?.intValue == 7_106_594_312_292_453_675)
        #expect(value["id"]?.numberValue?.text == "7106594312292453675")
        struct Holder: Codable, Equatable { var payload: JSONValue }
        let coded = try JSONValue.from(Holder(payload: value))
        #expect(coded["payload"]?.jsonString == text, "through Codable too")
        #expect(try coded.decode(Holder.self).payload == value)
    }

    @Test func integersCompareByDigitsAndOtherNumbersByValue() throws {
        #expect(try JSONValue.parse("7106594312292453675") != JSONValue.parse("7106594312292453674"))
        #expect(try JSONValue.parse("1.0") == JSONValue.parse("1"))
        #expect(try JSONValue.parse("-0") == 0)
        #expect(try JSONValue.parse("1e2").doubleValue == 100)
        #expect(JSONNumber("01") == nil && JSONNumber("1.") == nil && JSONNumber("12") == 12)
    }
}
