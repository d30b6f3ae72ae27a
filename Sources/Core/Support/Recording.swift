import Foundation

/// The trace of an earlier agent run that a replay answers from. Each Claude, provider, skill or
/// read call of the replaying agent takes the next recorded row of the same kind and name, in
/// call order; rows passed over on the way are calls the replay does not make again (the brand
/// context the original built is already stored for the replay).
public final class Recording: @unchecked Sendable {
    /// What the recording answers.
    public enum Mode: Sendable {
        /// Everything: an exact replay, where a call the recording lacks fails the step.
        case replay
        /// Provider, skill and read calls, with Claude asked again (an evaluation); a call the
        /// recording lacks goes to the service.
        case evaluate
    }
    /// The original run's start: "now" for the replaying agents.
    public let now: Date
    public let mode: Mode
    private let rows: [AgentStep]
    private let lock = NSLock()
    private var cursor = 0

    public init(rows: [AgentStep], now: Date, mode: Mode = .replay) {
        self.rows = rows.sorted { $0.stepIndex < $1.stepIndex }
        self.now = now
        self.mode = mode
    }

    /// The next recorded row of `kind` named `name`, or nil when the recording has no more.
    public func take(_ kind: AgentStep.Kind, _ name: String) -> AgentStep? {
        lock.withLock {
            guard let index = rows[cursor...].firstIndex(where: { $0.kind == kind && $0.name == name }) else { return nil }
            cursor = index + 1
            return rows[index]
        }
    }

    /// The recorded calls, in order, as `kind name` lines (for a message naming what there was).
    public var outline: String { rows.map { "\($0.kind.rawValue) \($0.name)" }.joined(separator: ", ") }
}

/// A call a replay could not answer from its recording: what differs, in words and as a diff.
public struct ReplayMismatch: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Line differences between two texts, for a person to read.
public enum TextDiff {
    /// The lines of `new` that differ from `old`, `-` for a line only in `old` and `+` for one only
    /// in `new`, each with its line number; at most `limit` lines, then how many more there are.
    /// Empty when the texts are equal.
    public static func lines(_ old: String, _ new: String, limit: Int = 12) -> String {
        guard old != new else { return "" }
        let before = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let after = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var changes: [(line: Int, added: Bool, text: String)] = []
        for change in after.difference(from: before) {
            switch change {
            case .remove(let offset, let line, _): changes.append((offset, false, line))
            case .insert(let offset, let line, _): changes.append((offset, true, line))
            }
        }
        // In reading order, each removed line before the line that replaced it.
        changes.sort { ($0.line, $0.added ? 1 : 0) < ($1.line, $1.added ? 1 : 0) }
        // A long line replaced by another is shown from a little before where the two part.
        var starts = Array(repeating: 0, count: changes.count)
        for i in changes.indices.dropLast() where !changes[i].added && changes[i + 1].added && changes[i].line == changes[i + 1].line {
            let common = zip(changes[i].text, changes[i + 1].text).prefix { $0 == $1 }.count
            starts[i] = max(0, common - 40)
            starts[i + 1] = starts[i]
        }
        let shown = changes.indices.prefix(limit).map { i in
            "\(changes[i].added ? "+" : "-") \(changes[i].line + 1): \(clip(changes[i].text, from: starts[i]))"
        }
        let more = changes.count - shown.count
        return (shown + (more > 0 ? ["… \(more) more changed lines"] : [])).joined(separator: "\n")
    }

    /// A JSON value as one line per top-level key (sorted), so a diff of two names the fields
    /// that changed; anything but an object is its JSON text.
    public static func keyLines(_ value: JSONValue?) -> String {
        guard let object = value?.objectValue else { return value?.jsonString ?? "" }
        return object.keys.sorted().map { "\($0): \(object[$0]!.jsonString)" }.joined(separator: "\n")
    }

    static func clip(_ line: String, from start: Int = 0) -> String {
        let tail = start > 0 ? "…" + line.dropFirst(start) : Substring(line)
        return tail.count > 160 ? String(tail.prefix(157)) + "..." : String(tail)
    }
}
