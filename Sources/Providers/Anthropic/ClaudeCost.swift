import Core

extension ModelCatalog {
    /// Cost in USD of a call's usage: input at the input price, 5-minute and 1-hour cache writes and
    /// cache reads at the model's multiples of it, output at the output price — all at the price
    /// level the request's total input falls in. `nil` for a model without a price.
    public func cost(model id: String, usage: ClaudeUsage) -> Double? {
        guard let model = model(id) else { return nil }
        let price = model.price(forInput: usage.totalInputTokens)
        let inputUnits =
            Double(usage.inputTokens) + model.cacheWrite5mMultiplier * Double(usage.cacheCreation5mInputTokens)
            + model.cacheWrite1hMultiplier * Double(usage.cacheCreation1hInputTokens) + model.cacheReadMultiplier
            * Double(usage.cacheReadInputTokens)
        return (inputUnits * price.input + Double(usage.outputTokens) * price.output) / 1_000_000
    }

    /// An upper bound on what `request` can cost: every input byte a token, written to the 1-hour
    /// cache, and `max_tokens` of output. What is reserved against the spend cap before sending.
    public func ceiling(of request: ClaudeRequest) -> Double? {
        let bytes = request.system.reduce(0) { $0 + $1.text.utf8.count } + request.userText.utf8.count + 64
        return cost(
            model: request.model,
            usage: ClaudeUsage(outputTokens: request.maxTokens, cacheCreationInputTokens: bytes, cacheCreation1hInputTokens: bytes))
    }
}

extension ClaudeUsage {
    /// Every input token of the request: after the last breakpoint, written and read.
    public var totalInputTokens: Int { inputTokens + cacheCreationInputTokens + cacheReadInputTokens }
}
