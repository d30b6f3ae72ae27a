import Core
import Foundation

/// The synthesis node's prompt: every succeeded step's output in `<step key="...">` blocks.
enum Synthesis {
    static func prompt(definition: WorkflowDef, stepDef: WorkflowStepDef, run: WorkflowRun, steps: [WorkflowStep], handle: String?) -> (
        system: String, user: String
    ) {
        let title = stepDef.options["title"]?.stringValue ?? definition.name
        let system = """
            You are the lead strategist of a TikTok growth team. Write the opening and the close of the \(title) report as Markdown: \
            a title line naming the account, an executive summary of three to five sentences for a marketer (numbers as people say \
            them: 10.5%, 1.9M followers, $50 a day), then a "## Next steps" section with a numbered list. The findings themselves are \
            added below the summary as their own sections, so do not list them. Use only the findings given; do not invent numbers; \
            never mention internal ids, file paths or agent names.
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
