import Core
import Foundation

/// `CLAUDE_MODE=mock`: answers without a network, deterministically — the same request always
/// gets the same answer — shaped so the rest of the system behaves as with the real model:
///
/// - a prompt that shows a ```` ```json ```` example (agents put one in their system prompt) gets
///   that JSON back with numbers varied and `a | b | c` alternatives resolved by a seed taken
///   from the prompt;
/// - a prompt asking for Markdown gets a report with one section per `<step key="...">` block of
///   the user prompt, naming the handle it finds;
/// - anything else gets a short paragraph.
///
/// Usage is realistic: about four bytes per token, and the
/// prompt cache modelled by `PromptCache` (exact prefixes, TTLs, each model's minimum), so the
/// first call of a long prefix reports a cache write and later ones within the TTL a read.
public struct MockClaude: ClaudeClient {
    public var latency: Duration
    public let cache: PromptCache

    public init(latency: Duration = .zero, cache: PromptCache = PromptCache()) {
        self.latency = latency
        self.cache = cache
    }

    public func send(_ request: ClaudeRequest) async throws -> ClaudeResponse {
        let plan = cache.plan(request, tokens: Self.tokens)
        if latency > .zero { try await Task.sleep(for: latency) }
        let digest = Crypto.sha256(Array("\(request.model)\u{0}\(request.systemText)\u{0}\(request.userText)".utf8))
        var random = SeededRandom(seed: digest)
        let text = Self.answer(request, random: &random)
        let id = Crypto.hex(digest.prefix(12))
        cache.commit(plan)
        let usage = ClaudeUsage(
            inputTokens: plan.uncached, outputTokens: Self.tokens(text), cacheCreationInputTokens: plan.cacheWrite5m + plan.cacheWrite1h,
            cacheReadInputTokens: plan.cacheRead, cacheCreation1hInputTokens: plan.cacheWrite1h)
        return ClaudeResponse(
            id: "msg_mock_\(id)", model: request.model, content: [["type": "text", "text": .string(text)]], stopReason: "end_turn",
            usage: usage, requestId: "req_mock_\(id)")
    }

    /// The mock's token estimate: about four UTF-8 bytes per token.
    public static func tokens(_ text: String) -> Int { text.isEmpty ? 0 : max(1, (text.utf8.count + 3) / 4) }

    static func answer(_ request: ClaudeRequest, random: inout SeededRandom) -> String {
        let prompt = request.systemText + "\n" + request.userText
        if let example = jsonExample(in: prompt) {
            return fill(example, random: &random).jsonString
        }
        if mentions("markdown", in: prompt) {
            return report(request, random: &random)
        }
        let handle = firstHandle(in: request.userText) ?? "the account"
        return
            "Based on the data provided, \(handle) should \(random.pick(["double down on short educational hooks", "post consistently in the evening window", "lean into trending sounds within its niche"]))."
    }

    /// Whether `text` holds `word` (lowercase ASCII) in any case.
    static func mentions(_ word: StaticString, in text: String) -> Bool {
        var text = text
        return text.withUTF8 { find(word, in: $0, from: 0, foldingCase: true) != nil }
    }

    /// The first fenced JSON block of the prompt (searched on its UTF-8 bytes).
    static func jsonExample(in prompt: String) -> JSONValue? {
        var prompt = prompt
        return prompt.withUTF8 { bytes -> JSONValue? in
            guard let start = find("```json", in: bytes, from: 0), let end = find("```", in: bytes, from: start + 7) else { return nil }
            return try? JSONValue.parse(Data(bytes[(start + 7)..<end]))
        }
    }

    /// Where `needle` first occurs in `bytes` at or after `offset`; `foldingCase` matches ASCII
    /// capitals to a lowercase needle.
    private static func find(_ needle: StaticString, in bytes: UnsafeBufferPointer<UInt8>, from offset: Int, foldingCase: Bool = false)
        -> Int?
    {
        let count = needle.utf8CodeUnitCount
        guard count > 0, offset + count <= bytes.count else { return nil }
        let fold: (UInt8) -> UInt8 = { foldingCase && $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        return (offset...(bytes.count - count)).first { start in
            (0..<count).allSatisfy { fold(bytes[start + $0]) == needle.utf8Start[$0] }
        }
    }

    static func fill(_ template: JSONValue, random: inout SeededRandom) -> JSONValue {
        switch template {
        case .string(let text):
            let options = text.components(separatedBy: " | ")
            return .string(options.count > 1 ? random.pick(options) : text)
        case .number(let number):
            let value = number.double
            let varied = value * (0.7 + 0.6 * random.unit())
            if value == value.rounded(), abs(value) >= 1 { return .number(varied.rounded()) }
            if (0...1).contains(value) { return .number(((min(1, varied)) * 100).rounded() / 100) }
            return .number((varied * 100).rounded() / 100)
        case .array(let items): return .array(items.map { fill($0, random: &random) })
        case .object(let object):
            var out: [String: JSONValue] = [:]
            for key in object.keys.sorted() { out[key] = fill(object[key]!, random: &random) }
            return .object(out)
        default: return template
        }
    }

    static func firstHandle(in text: String) -> String? {
        guard let at = text.firstIndex(of: "@") else { return nil }
        let handle = text[at...].prefix { $0 == "@" || $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
        return handle.count > 1 ? String(handle).trimmingCharacters(in: CharacterSet(charactersIn: ".")) : nil
    }

    static func report(_ request: ClaudeRequest, random: inout SeededRandom) -> String {
        let handle = firstHandle(in: request.userText) ?? "the account"
        var lines = ["# Report for \(handle)", ""]
        lines.append(
            random.pick([
                "\(handle) has a solid base to grow from: engagement is healthy, and the biggest gains are in posting cadence and trend timing.",
                "\(handle) is under-using its strongest format; the data points to a clear, low-risk plan for the next 30 days.",
                "\(handle) is growing, but competitors are moving faster on trends; the findings below show where to catch up.",
            ]))
        lines.append("")
        if let notes = request.userText.split(separator: "\n").first(where: { $0.hasPrefix("Brief notes: ") }) {
            lines.append("> Brief: " + notes.dropFirst("Brief notes: ".count))
            lines.append("")
        }
        var rest = Substring(request.userText)
        while let open = rest.firstRange(of: "<step key=\""), let close = rest[open.upperBound...].firstRange(of: "</step>") {
            let header = rest[open.upperBound...].prefix { $0 != "\"" }
            let bodyStart = rest[open.upperBound..<close.lowerBound].firstIndex(of: ">").map { rest.index(after: $0) } ?? close.lowerBound
            lines.append("## " + header.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " "))
            lines.append("")
            if let json = try? JSONValue.parse(String(rest[bodyStart..<close.lowerBound])), let object = json.objectValue {
                for key in object.keys.sorted() {
                    let label = key.replacing("_", with: " ")
                    switch object[key]! {
                    case .string(let s): lines.append("- **\(label)**: \(s)")
                    case .number(let n): lines.append("- **\(label)**: \(n.text)")
                    case .bool(let b): lines.append("- **\(label)**: \(b ? "yes" : "no")")
                    case .array(let items):
                        let shown = items.prefix(3).map {
                            $0.stringValue ?? $0.objectValue?.values.compactMap(\.stringValue).first ?? $0.jsonString
                        }
                        lines.append("- **\(label)**: " + shown.joined(separator: "; "))
                    default: continue
                    }
                }
            }
            lines.append("")
            rest = rest[close.upperBound...]
        }
        lines.append("## Next steps")
        lines.append("")
        lines.append(
            "1. "
                + random.pick([
                    "Post five times a week, weighted to the evening window.", "Commit to three trend-led posts a week.",
                    "Turn the best-performing hook into a recurring series.",
                ]))
        lines.append(
            "2. "
                + random.pick([
                    "Reply to comments within the first hour after posting.", "Pin a comment that drives to the shop link.",
                    "Test two thumbnails per post for a month.",
                ]))
        return lines.joined(separator: "\n")
    }
}

/// splitmix64 seeded from a digest: deterministic, good enough to vary mock content.
public struct SeededRandom: Sendable {
    private var state: UInt64

    public init(seed: [UInt8]) {
        state = seed.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<1.
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    public mutating func int(in range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }

    public mutating func pick<T>(_ options: [T]) -> T { options[Int(next() % UInt64(options.count))] }
}
