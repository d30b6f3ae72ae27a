import Core
import Foundation
import Providers
import Testing

/// The model table against the facts sheet (USD per million tokens: input, 5-minute write,
/// 1-hour write, cache read, output).
@Suite struct ModelCatalogTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var model: String
        var input, write5m, write1h, read, output: Double
        var testDescription: String { model }
    }

    static let factSheet: [Row] = [
        Row(model: "claude-fable-5-2", input: 8, write5m: 10, write1h: 16, read: 0.20, output: 40),
        Row(model: "claude-opus-5-5", input: 4, write5m: 5, write1h: 8, read: 0.20, output: 20),
        Row(model: "claude-sonnet-5-5", input: 2, write5m: 2.50, write1h: 4, read: 0.10, output: 10),
        Row(model: "claude-haiku-5-5", input: 0.10, write5m: 0.125, write1h: 0.20, read: 0.01, output: 0.50),
        Row(model: "claude-fable-5-1", input: 10, write5m: 12.50, write1h: 20, read: 0.25, output: 50),
        Row(model: "claude-mythos-5-1", input: 10, write5m: 12.50, write1h: 20, read: 0.25, output: 50),
        Row(model: "claude-fable-5", input: 10, write5m: 12.50, write1h: 20, read: 1.00, output: 50),
        Row(model: "claude-mythos-5", input: 10, write5m: 12.50, write1h: 20, read: 1.00, output: 50),
        Row(model: "claude-opus-5", input: 5, write5m: 6.25, write1h: 10, read: 0.50, output: 25),
        Row(model: "claude-sonnet-5", input: 2, write5m: 2.50, write1h: 4, read: 0.20, output: 10),
        Row(model: "claude-opus-4-8", input: 5, write5m: 6.25, write1h: 10, read: 0.50, output: 25),
        Row(model: "claude-opus-4-7", input: 5, write5m: 6.25, write1h: 10, read: 0.50, output: 25),
        Row(model: "claude-opus-4-6", input: 5, write5m: 6.25, write1h: 10, read: 0.50, output: 25),
        Row(model: "claude-opus-4-5", input: 5, write5m: 6.25, write1h: 10, read: 0.50, output: 25),
        Row(model: "claude-sonnet-4-6", input: 3, write5m: 3.75, write1h: 6, read: 0.30, output: 15),
        Row(model: "claude-sonnet-4-5", input: 3, write5m: 3.75, write1h: 6, read: 0.30, output: 15),
        Row(model: "claude-haiku-4-5", input: 1, write5m: 1.25, write1h: 2, read: 0.10, output: 5),
    ]

    static let catalog = ModelCatalog.standard
    static let million = 1_000_000
    /// Input counters are checked at 100K tokens: Haiku 5.5 prices a request over 100K higher.
    static let tenth = 100_000

    func cost(_ model: String, _ usage: ClaudeUsage) throws -> Double { try #require(Self.catalog.cost(model: model, usage: usage)) }
    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-9 }

    @Test(arguments: factSheet) func input(_ row: Row) throws {
        #expect(close(try cost(row.model, ClaudeUsage(inputTokens: Self.tenth)), row.input / 10))
    }

    @Test(arguments: factSheet) func output(_ row: Row) throws {
        #expect(close(try cost(row.model, ClaudeUsage(outputTokens: Self.million)), row.output))
    }

    @Test(arguments: factSheet) func fiveMinuteWrite(_ row: Row) throws {
        #expect(close(try cost(row.model, ClaudeUsage(cacheCreationInputTokens: Self.tenth)), row.write5m / 10))
    }

    @Test(arguments: factSheet) func oneHourWrite(_ row: Row) throws {
        #expect(
            close(
                try cost(row.model, ClaudeUsage(cacheCreationInputTokens: Self.tenth, cacheCreation1hInputTokens: Self.tenth)),
                row.write1h / 10))
    }

    @Test(arguments: factSheet) func cacheRead(_ row: Row) throws {
        #expect(close(try cost(row.model, ClaudeUsage(cacheReadInputTokens: Self.tenth)), row.read / 10))
    }

    @Test func haiku55PricesARequestOver100KInputWholeAtTheHigherTier() throws {
        let at = ClaudeUsage(inputTokens: 60_000, outputTokens: 1_000, cacheReadInputTokens: 40_000)
        #expect(close(try cost("claude-haiku-5-5", at), (60_000 * 0.10 + 40_000 * 0.01 + 1_000 * 0.50) / 1e6))
        let over = ClaudeUsage(inputTokens: 60_001, outputTokens: 1_000, cacheReadInputTokens: 40_000)
        #expect(close(try cost("claude-haiku-5-5", over), (60_001 * 0.50 + 40_000 * 0.05 + 1_000 * 2.50) / 1e6))
    }

    @Test func allCountersCombine() throws {
        let usage = ClaudeUsage(
            inputTokens: 12, outputTokens: 7, cacheCreationInputTokens: 1500, cacheReadInputTokens: 3000, cacheCreation1hInputTokens: 1000)
        // sonnet 5.5: (12*2 + 500*2.5 + 1000*4 + 3000*0.1 + 7*10) / 1e6
        #expect(close(try cost("claude-sonnet-5-5", usage), (24 + 1250 + 4000 + 300 + 70) / 1e6))
    }

    @Test func modelsMatchByExactIdOrDatedAliasNeverByPrefix() throws {
        #expect(Self.catalog.model("claude-opus-4-5-20251101")?.id == "claude-opus-4-5")
        #expect(Self.catalog.model("claude-sonnet-4-5-20250929")?.id == "claude-sonnet-4-5")
        #expect(Self.catalog.model("claude-opus-4-7")?.price == TokenPrice(input: 5, output: 25), "not the 15/75 of Opus 4.0")
        #expect(Self.catalog.model("claude-sonnet-5-5-20270101") == nil)
        #expect(Self.catalog.model("claude-opus-4") == nil)
        #expect(Self.catalog.cost(model: "claude-sonnet-6", usage: ClaudeUsage(inputTokens: 1)) == nil)
    }

    @Test func minimumsAndRetirementsAreThoseOfTheFactSheet() throws {
        let minimums = [
            "claude-sonnet-5-5": 512, "claude-opus-5-5": 512, "claude-haiku-5-5": 512, "claude-sonnet-5": 1024, "claude-opus-4-7": 2048,
            "claude-opus-4-6": 4096, "claude-haiku-4-5": 4096,
        ]
        for (model, minimum) in minimums { #expect(Self.catalog.model(model)?.minimumCacheableTokens == minimum, "\(model)") }
        let day = Timestamp.parse("2026-11-30T00:00:00Z")!
        #expect(Self.catalog.model("claude-sonnet-4-5")?.retires == day)
        #expect(Self.catalog.refusal(of: "claude-sonnet-4-5", at: day)?.contains("retired on 2026-11-30") == true)
        #expect(Self.catalog.refusal(of: "claude-sonnet-4-5", at: day.addingTimeInterval(-1)) == nil)
        #expect(Self.catalog.retiresSoon("claude-opus-4-5", at: Timestamp.parse("2027-01-01T00:00:00Z")!) == 21)
        #expect(Self.catalog.retiresSoon("claude-opus-4-5", at: Timestamp.parse("2026-12-01T00:00:00Z")!) == nil, "52 days away")
    }

    @Test func pricesCanBeAddedAndOverriddenWithTheSameShape() throws {
        let custom = try ModelCatalog.standard.applying(
            overrides: """
                {"claude-sonnet-5-5": {"input": 3}, "claude-next": {"input": 1, "output": 2, "cache_read": 0.05, "min_cacheable_tokens": 2048,
                 "retires": "2027-06-01", "aliases": ["claude-next-20270101"], "long_context": {"above_tokens": 200000, "input": 2, "output": 4}},
                 "claude-short": [0.5, 1]}
                """)
        #expect(custom.model("claude-sonnet-5-5")?.price == TokenPrice(input: 3, output: 10))
        #expect(custom.model("claude-sonnet-5-5")?.cacheReadMultiplier == 0.05, "fields not given keep their values")
        let next = try #require(custom.model("claude-next-20270101"))
        #expect(next.id == "claude-next" && next.minimumCacheableTokens == 2048 && next.cacheReadMultiplier == 0.05)
        #expect(next.longContext?.threshold == 200_000 && next.retires == Timestamp.parse("2027-06-01T00:00:00Z"))
        #expect(custom.model("claude-short")?.price == TokenPrice(input: 0.5, output: 1))
        for (bad, problem) in [
            (#"{"x": [1]}"#, "x must be [input, output]"), (#"{"x": {"input": 1}}"#, "x is a new model"),
            (#"{"claude-sonnet-5-5": {"inptu": 1}}"#, "unknown field inptu"), (#"[1]"#, "not a JSON object"),
            (#"{"claude-sonnet-5-5": {"retires": "soon"}}"#, "retires must be a yyyy-mm-dd date"),
        ] {
            let error = #expect(throws: SettingsError.self) { try ModelCatalog.standard.applying(overrides: bad) }
            #expect(error?.variable == "CLAUDE_PRICES" && error?.problem.contains(problem) == true, "\(bad): \(error?.problem ?? "")")
        }
    }
}

/// The mock's prompt cache: exact prefixes, TTLs and each model's minimum.
@Suite struct PromptCacheTests {
    final class Now: @unchecked Sendable {
        private let lock = NSLock()
        private var date = Date(timeIntervalSince1970: 1_800_000_000)
        var value: Date { lock.withLock { date } }
        func advance(_ seconds: TimeInterval) { lock.withLock { date += seconds } }
    }

    static let long = String(repeating: "Brand context: @glowco posts skincare tutorials. ", count: 60)

    func request(_ system: [SystemBlock], model: String = "claude-sonnet-5-5", user: String = "Audit @glowco") -> ClaudeRequest {
        ClaudeRequest(model: model, system: system, messages: [ClaudeMessage(role: .user, text: user)])
    }

    @Test func aLongPrefixIsWrittenThenReadWithinItsTTLAndWrittenAgainAfter() async throws {
        let now = Now()
        let mock = MockClaude(cache: PromptCache(now: { now.value }))
        let cached = request([SystemBlock(Self.long, cache: .fiveMinutes)])
        let prefix = MockClaude.tokens(Self.long)
        #expect(prefix >= 512)
        let first = try await mock.send(cached).usage
        #expect(first.cacheCreationInputTokens == prefix && first.cacheCreation1hInputTokens == 0 && first.cacheReadInputTokens == 0)
        now.advance(299)
        let second = try await mock.send(request([SystemBlock(Self.long, cache: .fiveMinutes)], user: "Another task")).usage
        #expect(second.cacheReadInputTokens == prefix && second.cacheCreationInputTokens == 0)
        #expect(second.inputTokens == 4 + MockClaude.tokens("Another task"), "only what follows the breakpoint is plain input")
        now.advance(301)
        let third = try await mock.send(cached).usage
        #expect(
            third.cacheCreationInputTokens == prefix && third.cacheReadInputTokens == 0,
            "the read at 299 s refreshed it to 599 s; 600 s is past")
    }

    @Test func aOneHourEntryOutlivesFiveMinutesAndIsReportedAsAOneHourWrite() async throws {
        let now = Now()
        let mock = MockClaude(cache: PromptCache(now: { now.value }))
        let first = try await mock.send(request([SystemBlock(Self.long, cache: .oneHour)])).usage
        #expect(first.cacheCreation1hInputTokens == MockClaude.tokens(Self.long))
        now.advance(3000)
        #expect(
            try await mock.send(request([SystemBlock(Self.long, cache: .oneHour)])).usage.cacheReadInputTokens
                == MockClaude.tokens(Self.long))
    }

    @Test func distinctLivePrefixesBeyondTheCapacityKeepTheCacheBounded() async throws {
        let now = Now()
        let cache = PromptCache(now: { now.value })
        let total = PromptCache.capacity + 2_000
        for index in 0..<total {
            now.advance(0.01)
            let plan = cache.plan(request([SystemBlock(Self.long + "\(index)", cache: .oneHour)]), tokens: MockClaude.tokens)
            cache.commit(plan)
        }
        #expect(cache.count <= PromptCache.capacity, "\(cache.count) one-hour prefixes held, all still live")
        let newest = cache.plan(request([SystemBlock(Self.long + "\(total - 1)", cache: .oneHour)]), tokens: MockClaude.tokens)
        #expect(newest.cacheRead > 0, "the newest entry is kept")
        let oldest = cache.plan(request([SystemBlock(Self.long + "0", cache: .oneHour)]), tokens: MockClaude.tokens)
        #expect(oldest.cacheRead == 0, "the entry closest to expiring went first")
    }

    @Test func aPrefixUnderTheModelsMinimumNeverCaches() async throws {
        let mock = MockClaude()
        let short = String(Self.long.prefix(1500))
        #expect(MockClaude.tokens(short) < 512)
        for _ in 0..<2 {
            let usage = try await mock.send(request([SystemBlock(short, cache: .fiveMinutes)])).usage
            #expect(usage.cacheCreationInputTokens == 0 && usage.cacheReadInputTokens == 0)
        }
        // Long enough for Sonnet 5.5 (512) but not for Haiku 4.5 (4,096).
        for _ in 0..<2 {
            let usage = try await mock.send(request([SystemBlock(Self.long, cache: .fiveMinutes)], model: "claude-haiku-4-5")).usage
            #expect(usage.cacheCreationInputTokens == 0 && usage.cacheReadInputTokens == 0)
        }
    }

    @Test func aChangedByteAfterTheSharedPrefixReadsTheSharedPartAndWritesTheRest() async throws {
        let mock = MockClaude()
        let shared = SystemBlock(Self.long, cache: .oneHour)
        _ = try await mock.send(request([shared, SystemBlock(Self.long + "Agent A.", cache: .fiveMinutes)]))
        let usage = try await mock.send(request([shared, SystemBlock(Self.long + "Agent B.", cache: .fiveMinutes)])).usage
        #expect(usage.cacheReadInputTokens == MockClaude.tokens(Self.long))
        #expect(usage.cacheCreationInputTokens == MockClaude.tokens(Self.long + "Agent B.") && usage.cacheCreation1hInputTokens == 0)
        let otherModel = try await mock.send(request([shared], model: "claude-opus-5-5")).usage
        #expect(otherModel.cacheReadInputTokens == 0, "caches are per model")
    }

    @Test func callsInFlightTogetherAllWrite() async throws {
        let mock = MockClaude(latency: .milliseconds(100))
        let cached = request([SystemBlock(Self.long, cache: .fiveMinutes)])
        async let a = mock.send(cached)
        async let b = mock.send(cached)
        let (first, second) = try await (a.usage, b.usage)
        #expect(first.cacheCreationInputTokens > 0 && second.cacheCreationInputTokens > 0)
        #expect(try await mock.send(cached).usage.cacheReadInputTokens > 0)
    }
}
