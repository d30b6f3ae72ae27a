import Foundation

/// A recurring run: a brief run through a workflow on a cron expression (in a time zone) or
/// every `intervalSeconds`.
public struct Schedule: Codable, Sendable, Equatable {
    public var id: UUID
    public var workspaceId: WorkspaceID
    public var briefId: BriefID
    public var workflowSlug: String
    public var cron: String?
    public var intervalSeconds: Int?
    public var timeZone: String
    public var enabled: Bool
    public var nextRunAt: Date
    public var lastRunAt: Date?
    public var lastRunId: WorkflowRunID?
    public var createdAt: Date

    public init(
        id: UUID, workspaceId: WorkspaceID, briefId: BriefID, workflowSlug: String, cron: String?, intervalSeconds: Int?,
        timeZone: String, enabled: Bool, nextRunAt: Date, lastRunAt: Date?, lastRunId: WorkflowRunID?, createdAt: Date
    ) {
        self.id = id
        self.workspaceId = workspaceId
        self.briefId = briefId
        self.workflowSlug = workflowSlug
        self.cron = cron
        self.intervalSeconds = intervalSeconds
        self.timeZone = timeZone
        self.enabled = enabled
        self.nextRunAt = nextRunAt
        self.lastRunAt = lastRunAt
        self.lastRunId = lastRunId
        self.createdAt = createdAt
    }

    /// The schedule's rule.
    public func recurrence() throws -> Recurrence {
        if let cron { return .cron(try CronExpression(cron), try Recurrence.zone(timeZone)) }
        return .interval(intervalSeconds ?? 3600)
    }
}

/// When a schedule fires.
public enum Recurrence: Sendable, Equatable {
    case cron(CronExpression, TimeZone)
    case interval(Int)

    /// The first occurrence strictly after `date`.
    public func next(after date: Date) -> Date {
        switch self {
        case .interval(let seconds): return date.addingTimeInterval(Double(seconds))
        case .cron(let expression, let zone): return expression.next(after: date, in: zone)
        }
    }

    /// A time zone by IANA name, or an error naming it.
    public static func zone(_ name: String) throws -> TimeZone {
        guard let zone = TimeZone(identifier: name) else { throw AppError.invalidInput("time_zone \(name) is not an IANA time zone") }
        return zone
    }
}

/// A five-field cron expression (`minute hour day-of-month month day-of-week`): `*`, numbers,
/// lists (`1,15`), ranges (`1-5`) and steps (`*/15`, `0-30/10`); Sunday is 0 or 7. As in cron,
/// when both day fields are restricted a day matching either one fires.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let description: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let months: Set<Int>
    let weekdays: Set<Int>
    let daysRestricted: Bool
    let weekdaysRestricted: Bool

    public init(_ text: String) throws {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5 else {
            throw AppError.invalidInput("cron must have five fields (minute hour day-of-month month day-of-week), got \"\(text)\"")
        }
        description = fields.joined(separator: " ")
        minutes = try Self.field(fields[0], "minute", 0...59)
        hours = try Self.field(fields[1], "hour", 0...23)
        days = try Self.field(fields[2], "day-of-month", 1...31)
        months = try Self.field(fields[3], "month", 1...12)
        weekdays = Set(try Self.field(fields[4], "day-of-week", 0...7).map { $0 % 7 })
        daysRestricted = fields[2] != "*"
        weekdaysRestricted = fields[4] != "*"
    }

    static func field(_ text: String, _ name: String, _ bounds: ClosedRange<Int>) throws -> Set<Int> {
        var values = Set<Int>()
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "/", maxSplits: 1).map(String.init)
            let step = pieces.count == 2 ? Int(pieces[1]) : 1
            guard let step, step > 0 else { throw AppError.invalidInput("cron \(name) field \"\(text)\" has a bad step") }
            var range: ClosedRange<Int>
            if pieces[0] == "*" {
                range = bounds
            } else if let dash = pieces[0].firstIndex(of: "-") {
                guard let low = Int(pieces[0][..<dash]), let high = Int(pieces[0][pieces[0].index(after: dash)...]), low <= high else {
                    throw AppError.invalidInput("cron \(name) field \"\(text)\" has a bad range")
                }
                range = low...high
            } else {
                guard let value = Int(pieces[0]) else { throw AppError.invalidInput("cron \(name) field \"\(text)\" is not a number") }
                range = value...(pieces.count == 2 ? bounds.upperBound : value)
            }
            guard bounds.contains(range.lowerBound), bounds.contains(range.upperBound) else {
                throw AppError.invalidInput("cron \(name) field \"\(text)\" is outside \(bounds.lowerBound)-\(bounds.upperBound)")
            }
            values.formUnion(stride(from: range.lowerBound, through: range.upperBound, by: step))
        }
        return values
    }

    func matchesDay(_ c: DateComponents) -> Bool {
        guard months.contains(c.month!) else { return false }
        let dayOK = days.contains(c.day!)
        let weekdayOK = weekdays.contains(c.weekday! - 1)
        if daysRestricted && weekdaysRestricted { return dayOK || weekdayOK }
        return dayOK && weekdayOK
    }

    /// The first matching minute strictly after `date`, in `zone` (searched up to five years ahead).
    public func next(after date: Date, in zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = Date(timeIntervalSince1970: (floor(date.timeIntervalSince1970 / 60) + 1) * 60)
        var day = calendar.startOfDay(for: start)
        for _ in 0..<(366 * 5) {
            let c = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            if matchesDay(c) {
                for hour in hours.sorted() {
                    for minute in minutes.sorted() {
                        var wanted = c
                        wanted.hour = hour
                        wanted.minute = minute
                        wanted.second = 0
                        if let candidate = calendar.date(from: wanted), candidate >= start,
                            calendar.component(.hour, from: candidate) == hour
                        {
                            return candidate
                        }
                    }
                }
            }
            day = calendar.date(byAdding: .day, value: 1, to: day) ?? day.addingTimeInterval(86_400)
        }
        return date.addingTimeInterval(86_400 * 366 * 5)
    }
}
