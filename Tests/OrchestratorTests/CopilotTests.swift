import Testing

@testable import Orchestrator

@Suite struct CopilotTests {
    @Test func mockModeReadsTheIntentFromPlainWords() {
        #expect(Copilot.parse("launch a campaign for glowco") == .start(workflow: "campaign_launch", handle: "@glowco"))
        #expect(Copilot.parse("audit @glow_co please") == .start(workflow: "profile_audit", handle: "@glow_co"))
        #expect(Copilot.parse("reject 2 because too salesy") == .decide(reference: "2", approve: false, note: "too salesy"))
        #expect(Copilot.parse("approve 1") == .decide(reference: "1", approve: true, note: nil))
        #expect(Copilot.parse("what's waiting for approval?") == .pending)
        #expect(Copilot.parse("status of my last run") == .status)
        #expect(Copilot.parse("hello") == .help)
    }
}
