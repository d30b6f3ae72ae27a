import Core
import Foundation

/// The mock's model of Anthropic prompt caching, so mock-mode costs tell the truth.
///
/// As the API documents it: the prefix up to each `cache_control` breakpoint (tools, then system
/// blocks) is cached under its exact bytes and the model; a prefix shorter than the model's
/// minimum cacheable length is silently not cached; an entry lives for its TTL (5 minutes or
/// 1 hour) and a read refreshes it. A call reads the longest live prefix, writes the breakpoints
/// after it, and pays plain input for what follows the last breakpoint. An entry becomes readable
/// when the call that wrote it has answered, so calls in flight together all write.
public final class PromptCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: Date] = [:]
    /// The most prefixes held at once.
    public static let capacity = 10_000
    public let models: ModelCatalog
    public let now: @Sendable () -> Date

    public init(models: ModelCatalog = .standard, now: @escaping @Sendable () -> Date = { Date() }) {
        self.models = models
        self.now = now
    }

    /// What a call will read and write.
    public struct Plan: Sendable {
        public var cacheRead: Int
        public var cacheWrite5m: Int
        public var cacheWrite1h: Int
        /// Tokens after the cached prefix.
        public var uncached: Int
        fileprivate var store: [(key: String, ttl: CacheTTL)]
    }

    /// Decides the cache counters of `request`, given `tokens` to count a text.
    public func plan(_ request: ClaudeRequest, tokens: (String) -> Int) -> Plan {
        let minimum = models.model(request.model)?.minimumCacheableTokens ?? Int.max
        var prefix =
            request.model + "\u{0}"
            + (request.tools.isEmpty
                ? "" : JSONValue.array(request.tools.map { ["name": .string($0.name), "input_schema": $0.inputSchema] }).jsonString)
        var length = request.tools.isEmpty ? 0 : tokens(prefix)
        var breakpoints: [(key: String, tokens: Int, ttl: CacheTTL)] = []
        for block in request.system {
            prefix += "\u{0}" + block.text
            length += tokens(block.text)
            if let ttl = block.cache, length >= minimum { breakpoints.append((Crypto.sha256Hex(prefix), length, ttl)) }
        }
        let total = length + request.messages.count * 4 + tokens(request.userText)
        let time = now()
        let hit = lock.withLock { breakpoints.lastIndex { entries[$0.key].map { $0 > time } ?? false } }
        var plan = Plan(cacheRead: hit.map { breakpoints[$0].tokens } ?? 0, cacheWrite5m: 0, cacheWrite1h: 0, uncached: 0, store: [])
        var covered = plan.cacheRead
        for (index, breakpoint) in breakpoints.enumerated() {
            plan.store.append((breakpoint.key, breakpoint.ttl))
            guard index > (hit ?? -1) else { continue }
            let written = breakpoint.tokens - covered
            if breakpoint.ttl == .oneHour { plan.cacheWrite1h += written } else { plan.cacheWrite5m += written }
            covered = breakpoint.tokens
        }
        plan.uncached = total - covered
        return plan
    }

    /// The prefixes held now.
    public var count: Int { lock.withLock { entries.count } }

    /// Makes the plan's prefixes readable (or refreshes them) from now for their TTLs.
    public func commit(_ plan: Plan) {
        let time = now()
        lock.withLock {
            for (key, ttl) in plan.store { entries[key] = time.addingTimeInterval(ttl == .oneHour ? 3600 : 300) }
            if entries.count > Self.capacity {
                entries = entries.filter { $0.value > time }
                // Still full of live entries: the ones closest to expiring go first, so a long
                // run of distinct prompts keeps memory flat (an hour of one-hour entries would not).
                if entries.count > Self.capacity {
                    let kept = entries.sorted { $0.value > $1.value }.prefix(Self.capacity * 3 / 4)
                    entries = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
                }
            }
        }
    }
}
