import Core

/// The 15 agents and their specs: the single source the dashboard, the brief form and input
/// validation read.
public enum Catalog {
    public static let agents: [any Agent.Type] = [
        ProfileAuditor.self, ContentAnalyzer.self, AudienceAnalyst.self, CompetitorBenchmarker.self, TrendScout.self,
        ContentStrategist.self, ScriptWriter.self, ContentProducer.self, CaptionWriter.self, ComplianceReviewer.self,
        ShopCatalogManager.self, AdsCampaignManager.self, Publisher.self, CommentTriage.self, PerformanceAnalyst.self,
    ]

    /// Every spec, in roster order.
    public static var specs: [AgentSpec] { agents.map { $0.spec } }

    /// The spec of `name`, if there is such an agent.
    public static func spec(_ name: String) -> AgentSpec? { specs.first { $0.name == name } }

    /// The union of the brief-level inputs (those every agent can take from a brief), for the
    /// intake form.
    public static var briefInputs: [InputSpec] {
        var seen = Set<String>()
        return specs.flatMap(\.inputs).filter { $0.type != .object && seen.insert($0.name).inserted }
    }
}
