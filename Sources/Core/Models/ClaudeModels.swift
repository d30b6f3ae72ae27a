import Foundation

/// How capable (and costly) a model an agent needs; the catalog gives each agent one and the
/// settings map each tier to a model.
public enum ModelTier: String, Sendable, Codable, CaseIterable {
    /// Cheap, fast work such as triage (`CLAUDE_MODEL_FAST`).
    case fast
    /// Analysis and writing (`CLAUDE_MODEL`).
    case standard
    /// The hardest reasoning, such as the synthesis of a run (`CLAUDE_MODEL_STRONG`).
    case strong
}

/// USD per million tokens at one price level.
public struct TokenPrice: Sendable, Equatable, Codable {
    public var input: Double
    public var output: Double
    public init(input: Double, output: Double) {
        self.input = input
        self.output = output
    }
}

/// One Claude model: its prices, cache rules and lifecycle.
public struct ClaudeModel: Sendable, Equatable {
    public var id: String
    /// Other ids the API accepts for the same model (dated snapshots).
    public var aliases: [String]
    public var price: TokenPrice
    /// A request whose total input is above `threshold` tokens is priced whole at `price`
    /// (Haiku 5.5's long-context tier).
    public var longContext: (threshold: Int, price: TokenPrice)?
    /// Cache reads as a multiple of the input price.
    public var cacheReadMultiplier: Double
    /// 5-minute cache writes as a multiple of the input price.
    public var cacheWrite5mMultiplier: Double
    /// 1-hour cache writes as a multiple of the input price.
    public var cacheWrite1hMultiplier: Double
    /// The shortest prefix, in tokens, the API caches; a shorter one is silently not cached.
    public var minimumCacheableTokens: Int
    /// The day the model stops answering, where one is announced (UTC midnight).
    public var retires: Date?

    public init(
        id: String, aliases: [String] = [], input: Double, output: Double, longContext: (threshold: Int, price: TokenPrice)? = nil,
        cacheRead: Double = 0.1, cacheWrite5m: Double = 1.25, cacheWrite1h: Double = 2, minimumCacheableTokens: Int, retires: String? = nil
    ) {
        self.id = id
        self.aliases = aliases
        self.price = TokenPrice(input: input, output: output)
        self.longContext = longContext
        self.cacheReadMultiplier = cacheRead
        self.cacheWrite5mMultiplier = cacheWrite5m
        self.cacheWrite1hMultiplier = cacheWrite1h
        self.minimumCacheableTokens = minimumCacheableTokens
        self.retires = retires.flatMap(ClaudeModel.day)
    }

    public static func == (a: ClaudeModel, b: ClaudeModel) -> Bool {
        a.id == b.id && a.aliases == b.aliases && a.price == b.price && a.longContext?.threshold == b.longContext?.threshold
            && a.longContext?.price == b.longContext?.price && a.cacheReadMultiplier == b.cacheReadMultiplier
            && a.cacheWrite5mMultiplier == b.cacheWrite5mMultiplier && a.cacheWrite1hMultiplier == b.cacheWrite1hMultiplier
            && a.minimumCacheableTokens == b.minimumCacheableTokens && a.retires == b.retires
    }

    /// The price level a request with `totalInputTokens` of input is billed at.
    public func price(forInput totalInputTokens: Int) -> TokenPrice {
        if let longContext, totalInputTokens > longContext.threshold { return longContext.price }
        return price
    }

    /// The retirement date as `yyyy-MM-dd`, where one is announced.
    public var retirementDay: String? { retires.map { String(Timestamp.format($0).prefix(10)) } }

    /// Whether the model has stopped answering at `now`.
    public func isRetired(at now: Date) -> Bool { retires.map { now >= $0 } ?? false }

    /// `yyyy-MM-dd` as UTC midnight.
    static func day(_ text: String) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        return Timestamp.parse(String(format: "%04d-%02d-%02dT00:00:00Z", parts[0], parts[1], parts[2]))
    }
}

/// Every Claude model the system can bill, by exact id or a listed alias — never by prefix, so a
/// new model is refused until it has a price. `CLAUDE_PRICES` adds or overrides entries.
public struct ModelCatalog: Sendable, Equatable {
    public private(set) var models: [ClaudeModel]

    public init(_ models: [ClaudeModel]) { self.models = models }

    /// The models and prices published as of November 2026 (docs/MODELS.md gives the sources).
    public static let standard = ModelCatalog([
        ClaudeModel(id: "claude-fable-5-2", input: 8, output: 40, cacheRead: 0.025, minimumCacheableTokens: 512),
        ClaudeModel(id: "claude-opus-5-5", input: 4, output: 20, cacheRead: 0.05, minimumCacheableTokens: 512),
        ClaudeModel(id: "claude-sonnet-5-5", input: 2, output: 10, cacheRead: 0.05, minimumCacheableTokens: 512),
        ClaudeModel(
            id: "claude-haiku-5-5", input: 0.10, output: 0.50, longContext: (100_000, TokenPrice(input: 0.50, output: 2.50)),
            minimumCacheableTokens: 512),
        ClaudeModel(id: "claude-fable-5-1", input: 10, output: 50, cacheRead: 0.025, minimumCacheableTokens: 512),
        ClaudeModel(id: "claude-mythos-5-1", input: 10, output: 50, cacheRead: 0.025, minimumCacheableTokens: 512),
        ClaudeModel(id: "claude-fable-5", input: 10, output: 50, minimumCacheableTokens: 512),
        ClaudeModel(id: "claude-mythos-5", input: 10, output: 50, minimumCacheableTokens: 512),
        ClaudeModel(id: "claude-opus-5", input: 5, output: 25, minimumCacheableTokens: 512),
        ClaudeModel(id: "claude-sonnet-5", input: 2, output: 10, minimumCacheableTokens: 1024),
        ClaudeModel(id: "claude-opus-4-8", input: 5, output: 25, minimumCacheableTokens: 1024),
        ClaudeModel(id: "claude-opus-4-7", input: 5, output: 25, minimumCacheableTokens: 2048),
        ClaudeModel(id: "claude-opus-4-6", input: 5, output: 25, minimumCacheableTokens: 4096),
        ClaudeModel(
            id: "claude-opus-4-5", aliases: ["claude-opus-4-5-20251101"], input: 5, output: 25, minimumCacheableTokens: 4096,
            retires: "2027-01-22"),
        ClaudeModel(id: "claude-sonnet-4-6", input: 3, output: 15, minimumCacheableTokens: 1024),
        ClaudeModel(
            id: "claude-sonnet-4-5", aliases: ["claude-sonnet-4-5-20250929"], input: 3, output: 15, minimumCacheableTokens: 1024,
            retires: "2026-11-30"),
        ClaudeModel(id: "claude-haiku-4-5", aliases: ["claude-haiku-4-5-20251001"], input: 1, output: 5, minimumCacheableTokens: 4096),
        ClaudeModel(
            id: "claude-opus-4-1", aliases: ["claude-opus-4-1-20250805"], input: 15, output: 75, minimumCacheableTokens: 1024,
            retires: "2026-06-15"),
        ClaudeModel(
            id: "claude-opus-4-0", aliases: ["claude-opus-4-20250514"], input: 15, output: 75, minimumCacheableTokens: 1024,
            retires: "2026-06-15"),
        ClaudeModel(
            id: "claude-sonnet-4-0", aliases: ["claude-sonnet-4-20250514"], input: 3, output: 15, minimumCacheableTokens: 1024,
            retires: "2026-06-15"),
        ClaudeModel(id: "claude-mythos-preview", input: 0, output: 0, minimumCacheableTokens: 2048, retires: "2026-06-30"),
    ])

    /// The model `id` names, by exact id or alias.
    public func model(_ id: String) -> ClaudeModel? { models.first { $0.id == id || $0.aliases.contains(id) } }

    /// The models still answering at `now`, in catalog order (newest first).
    public func current(at now: Date) -> [ClaudeModel] { models.filter { !$0.isRetired(at: now) } }

    /// Why `id` cannot be used at `now` (no price, or retired), or `nil` when it can.
    public func refusal(of id: String, at now: Date) -> String? {
        guard let model = model(id) else { return "model \(id) has no price; add it to CLAUDE_PRICES or pick one of docs/MODELS.md" }
        if let day = model.retirementDay, model.isRetired(at: now) {
            return "model \(id) retired on \(day); pick a current one (docs/MODELS.md)"
        }
        return nil
    }

    /// Days until `id` retires when that is within `days` of `now`.
    public func retiresSoon(_ id: String, at now: Date, within days: Int = 30) -> Int? {
        guard let retires = model(id)?.retires, retires > now else { return nil }
        let left = Int((retires.timeIntervalSince(now) / 86_400).rounded(.up))
        return left <= days ? left : nil
    }

    /// This catalog with the entries of a `CLAUDE_PRICES` document on top: an object of model id ->
    /// `{"input", "output", "cache_read", "cache_write_5m", "cache_write_1h", "min_cacheable_tokens",
    /// "retires", "aliases", "long_context": {"above_tokens", "input", "output"}}` (multipliers of the
    /// input price; for an existing model every field is optional), or `[input, output]` for short.
    public func applying(overrides json: String) throws(SettingsError) -> ModelCatalog {
        func problem(_ text: String) -> SettingsError { SettingsError(variable: "CLAUDE_PRICES", problem: text) }
        guard let object = (try? JSONValue.parse(json))?.objectValue else { throw problem("not a JSON object of model id -> price entry") }
        var catalog = self
        for id in object.keys.sorted() {
            let entry = object[id]!
            let existing = catalog.models.firstIndex { $0.id == id }
            var model = existing.map { catalog.models[$0] } ?? ClaudeModel(id: id, input: -1, output: -1, minimumCacheableTokens: 1024)
            if let pair = entry.arrayValue {
                guard pair.count == 2, let input = pair[0].doubleValue, let output = pair[1].doubleValue, input >= 0, output >= 0 else {
                    throw problem("\(id) must be [input, output] USD per million tokens")
                }
                model.price = TokenPrice(input: input, output: output)
            } else if let fields = entry.objectValue {
                let known: Set = [
                    "input", "output", "cache_read", "cache_write_5m", "cache_write_1h", "min_cacheable_tokens", "retires", "aliases",
                    "long_context",
                ]
                if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
                    throw problem("\(id) has an unknown field \(unknown)")
                }
                func number(_ key: String, in source: [String: JSONValue] = fields) throws(SettingsError) -> Double? {
                    guard let value = source[key] else { return nil }
                    guard let number = value.doubleValue, number >= 0 else { throw problem("\(id).\(key) must be a number >= 0") }
                    return number
                }
                if let input = try number("input") { model.price.input = input }
                if let output = try number("output") { model.price.output = output }
                if let read = try number("cache_read") { model.cacheReadMultiplier = read }
                if let write = try number("cache_write_5m") { model.cacheWrite5mMultiplier = write }
                if let write = try number("cache_write_1h") { model.cacheWrite1hMultiplier = write }
                if let minimum = try number("min_cacheable_tokens") { model.minimumCacheableTokens = Int(minimum) }
                if let retires = fields["retires"] {
                    if retires.isNull {
                        model.retires = nil
                    } else {
                        guard let day = retires.stringValue.flatMap(ClaudeModel.day) else {
                            throw problem("\(id).retires must be a yyyy-mm-dd date")
                        }
                        model.retires = day
                    }
                }
                if let aliases = fields["aliases"] {
                    guard let list = aliases.arrayValue?.compactMap(\.stringValue), list.count == aliases.arrayValue?.count else {
                        throw problem("\(id).aliases must be an array of ids")
                    }
                    model.aliases = list
                }
                if let tier = fields["long_context"] {
                    guard let tier = tier.objectValue, let above = try number("above_tokens", in: tier),
                        let input = try number("input", in: tier),
                        let output = try number("output", in: tier)
                    else { throw problem("\(id).long_context must be {\"above_tokens\", \"input\", \"output\"}") }
                    model.longContext = (Int(above), TokenPrice(input: input, output: output))
                }
            } else {
                throw problem("\(id) must be an object or [input, output]")
            }
            guard model.price.input >= 0, model.price.output >= 0 else {
                throw problem("\(id) is a new model: give its input and output prices")
            }
            if let existing { catalog.models[existing] = model } else { catalog.models.append(model) }
        }
        return catalog
    }
}
