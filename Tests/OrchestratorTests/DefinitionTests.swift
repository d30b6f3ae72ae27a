import Core
import Testing

@testable import Orchestrator

@Suite struct DefinitionTests {
    func definition(_ steps: [WorkflowStepDef]) -> WorkflowDef {
        WorkflowDef(slug: "custom", name: "Custom", description: "", steps: steps)
    }

    @Test func theSeededWorkflowsAreValid() throws {
        for definition in SeededWorkflows.all { try definition.validate() }
        #expect(SeededWorkflows.all.map(\.slug) == ["profile_audit", "campaign_launch", "post_launch_loop"])
        #expect(SeededWorkflows.profileAudit.levels().filter { $0.value == 0 }.count == 5, "five analysts side by side")
    }

    @Test(
        arguments: [
            ([WorkflowStepDef("a", agent: "fortune_teller")], "step a uses unknown agent fortune_teller"),
            ([WorkflowStepDef("a", agent: "trend_scout", dependsOn: ["ghost"])], "step a depends on unknown step ghost"),
            (
                [
                    WorkflowStepDef("a", agent: "trend_scout", dependsOn: ["c"]),
                    WorkflowStepDef("b", agent: "trend_scout", dependsOn: ["a"]),
                    WorkflowStepDef("c", agent: "trend_scout", dependsOn: ["b"]), WorkflowStepDef("d", agent: "trend_scout"),
                ], "has a cycle among steps a, b, c"
            ),
            (
                [WorkflowStepDef("a", agent: "trend_scout", inputMap: ["trends": "steps.nowhere"])],
                "input trends points at unknown step nowhere"
            ),
            (
                [WorkflowStepDef("a", agent: "trend_scout", inputMap: ["handle": "brief.shoe_size"])],
                "points at unknown brief field brief.shoe_size"
            ),
            (
                [
                    WorkflowStepDef("a", agent: "trend_scout"),
                    WorkflowStepDef("b", agent: "content_strategist", inputMap: ["trends": "steps.a"]),
                ],
                "reads step a, which it does not depend on"
            ),
            ([WorkflowStepDef("a", agent: "trend_scout"), WorkflowStepDef("a", agent: "trend_scout")], "step key a is not unique"),
        ] as [([WorkflowStepDef], String)])
    func invalidDefinitionsAreRefusedNamingTheProblem(steps: [WorkflowStepDef], message: String) {
        let error = #expect(throws: AppError.self) { try definition(steps).validate() }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        #expect(error?.status == 400)
    }

    @Test func inputsResolveFromTheBriefAndUpstreamOutputs() {
        let step = WorkflowStepDef(
            "ads", agent: "ads_campaign_manager", dependsOn: ["approval"],
            inputMap: ["approved": "steps.approval.approved", "budget_usd": "brief.inputs.budget_usd", "strategy": "steps.plan"],
            options: ["count": 3])
        let input = InputResolver.resolve(
            step, brief: ["handle": "@a", "target_type": "own_account", "notes": .null, "inputs": ["budget_usd": 80, "region": "US"]],
            outputs: ["approval": ["approved": true], "plan": ["pillars": ["x"]]])
        #expect(
            input == [
                "handle": "@a", "target_type": "own_account", "region": "US", "budget_usd": 80, "approved": true,
                "strategy": ["pillars": ["x"]], "count": 3,
            ])
    }
}
