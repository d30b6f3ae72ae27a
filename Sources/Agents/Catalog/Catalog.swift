import Core

/// The 16 agents and their specs: the single source the dashboard, the brief form and input
/// validation read.
public enum Catalog {
    public static let agents: [any Agent.Type] = [
        ProfileAuditor.self, ContentAnalyzer.self, AudienceAnalyst.self, CompetitorBenchmarker.self, TrendScout.self,
        ContentStrategist.self, ScriptWriter.self, ContentProducer.self, CaptionWriter.self, ComplianceReviewer.self,
        ShopCatalogManager.self, AdsCampaignManager.self, CampaignOperator.self, Publisher.self, CommentTriage.self,
        PerformanceAnalyst.self,
    ]

    /// Every spec, in roster order.
    public static var specs: [AgentSpec] { agents.map { $0.spec } }

    /// The spec of `name`, if there is such an agent.
    public static func spec(_ name: String) -> AgentSpec? { specs.first { $0.name == name } }

    /// The name of the synthesis that writes a run's report, which has a model tier like an agent.
    public static let synthesis = "synthesis"

    /// Names a workspace can choose a model for: every agent, the synthesis and the copilot.
    public static var modelUsers: [String] { specs.map(\.name) + [synthesis, "copilot"] }

    /// The model tier of `name`: its spec's, `strong` for the synthesis, `standard` otherwise.
    public static func tier(of name: String) -> ModelTier {
        if name == synthesis { return .strong }
        return spec(name)?.tier ?? .standard
    }

    /// The union of the brief-level inputs (those every agent can take from a brief), for the
    /// intake form.
    public static var briefInputs: [InputSpec] {
        var seen = Set<String>()
        return specs.flatMap(\.inputs).filter { $0.type != .object && seen.insert($0.name).inserted }
    }
}
