import Core
import Foundation
import OpenAPIRuntime

/// The API's dates as `Timestamp` writes and reads them (`2026-11-25T01:44:29.123Z`): the same
/// text as OpenAPIRuntime's ISO 8601 transcoder, without its process-wide lock around one shared
/// `ISO8601DateFormatter` (whose CoreFoundation calendar also loads ICU's data, about 3 MB, on
/// the first date a response carries).
struct TimestampTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String { Timestamp.format(date) }

    func decode(_ text: String) throws -> Date {
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Expected an ISO 8601 date, got \(text)."))
        }
        return date
    }
}
