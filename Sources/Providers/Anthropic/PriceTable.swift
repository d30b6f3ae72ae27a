import Core
import Foundation

/// USD per million tokens for one model.
public struct ModelPrice: Sendable, Equatable {
    public var input: Double
    public var output: Double
    public init(input: Double, output: Double) {
        self.input = input
        self.output = output
    }
}

/// Prices per model id (or id prefix; the longest matching prefix wins). Configurable, because
/// prices change: `CLAUDE_PRICES='{"claude-sonnet-4":[3,15]}'` overrides or adds entries.
public struct PriceTable: Sendable, Equatable {
    public var prices: [String: ModelPrice]

    public init(prices: [String: ModelPrice]) { self.prices = prices }

    /// The published prices at the time of writing.
    public static let standard = PriceTable(prices: [
        "claude-opus-4-6": ModelPrice(input: 5, output: 25),
        "claude-opus-4-5": ModelPrice(input: 5, output: 25),
        "claude-opus-4-1": ModelPrice(input: 15, output: 75),
        "claude-opus-4-0": ModelPrice(input: 15, output: 75),
        "claude-opus-4": ModelPrice(input: 15, output: 75),
        "claude-sonnet-4": ModelPrice(input: 3, output: 15),
        "claude-haiku-4-5": ModelPrice(input: 1, output: 5),
    ])

    /// `standard` with the entries of a `{"model": [input, output]}` JSON document on top.
    public static func standard(overrides json: String?) throws -> PriceTable {
        var table = standard
        guard let json else { return table }
        guard let object = try? JSONValue.parse(json).objectValue else { throw AppError.invalidInput("CLAUDE_PRICES is not a JSON object") }
        for (model, pair) in object {
            guard let values = pair.arrayValue?.compactMap(\.doubleValue), values.count == 2, values.allSatisfy({ $0 >= 0 }) else {
                throw AppError.invalidInput("CLAUDE_PRICES entry \(model) must be [input, output] USD per million tokens")
            }
            table.prices[model] = ModelPrice(input: values[0], output: values[1])
        }
        return table
    }

    /// The price of `model`, by exact id or longest prefix.
    public func price(for model: String) -> ModelPrice? {
        if let exact = prices[model] { return exact }
        return prices.filter { model.hasPrefix($0.key) }.max { $0.key.count < $1.key.count }?.value
    }

    /// Cost in USD: input at the input price, 5-minute cache writes at 1.25x, 1-hour writes at 2x,
    /// cache reads at 0.1x, output at the output price. `nil` for an unknown model.
    public func cost(model: String, usage: ClaudeUsage) -> Double? {
        guard let price = price(for: model) else { return nil }
        let inputUnits = Double(usage.inputTokens) + 1.25 * Double(usage.cacheCreation5mInputTokens)
            + 2 * Double(usage.cacheCreation1hInputTokens) + 0.1 * Double(usage.cacheReadInputTokens)
        return (inputUnits * price.input + Double(usage.outputTokens) * price.output) / 1_000_000
    }
}
