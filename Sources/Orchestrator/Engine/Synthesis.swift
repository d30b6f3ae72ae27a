import Core
import Foundation

/// The synthesis node's prompt: every succeeded step's output in `<step key="...">` blocks.
enum Synthesis {
    static func prompt(definition: WorkflowDef, stepDef: WorkflowStepDef, run: WorkflowRun, steps: [WorkflowStep], handle: String?) -> (
        system: String, user: String
    ) {
        let title = stepDef.options["title"]?.stringValue ?? definition.name
        let system = """
            You are the lead strategist of a TikTok growth team. Write the \(title) report as Markdown: a title line naming the account, \
            an executive summary, one section per specialist finding with the key numbers, and a numbered list of next steps. \
            Use only the findings given; do not invent numbers.
            """
        var blocks: [String] = []
        for step in steps where step.status == .succeeded && step.kind == .agent {
            let output = step.output?.jsonString ?? "{}"
            blocks.append("<step key=\"\(step.stepKey)\">\(output.count > 6000 ? String(output.prefix(6000)) : output)</step>")
        }
        for step in steps where step.kind == .approval && step.status == .succeeded {
            blocks.append("<decision key=\"\(step.stepKey)\">\(step.output?.jsonString ?? "{}")</decision>")
        }
        let user = """
            Write the \(title) report for \(handle ?? "the account").
            \(run.input["brief"]?["notes"]?.stringValue.map { "Brief notes: \($0)\n" } ?? "")Findings:
            \(blocks.joined(separator: "\n"))
            """
        return (system, user)
    }
}
