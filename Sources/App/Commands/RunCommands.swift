import ArgumentParser
import Core
import Foundation

struct RunWorkflow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a workflow on a handle, showing each step live and printing the report.")

    @Argument(help: "profile_audit, campaign_launch or post_launch_loop.")
    var workflow: String

    @Option(help: "The TikTok handle, e.g. @brand.")
    var handle: String

    @Option(help: "Notes for the brief.")
    var notes: String?

    @Option(name: .customLong("target-type"), help: "own_account, competitor or creator.")
    var targetType: String = "own_account"

    @OptionGroup var console: ConsoleOptions

    func run() async throws {
        try await Console.session(console) { army in
            // Checked first, so a mistyped workflow leaves no brief behind.
            _ = try await army.get("/api/dashboard/workflows/\(workflow)")
            var body: JSONValue = ["handle": .string(handle), "target_type": .string(targetType)]
            if let notes { body = body.merging(["notes": .string(notes)]) }
            let brief = try await army.post("/api/dashboard/briefs", body)
            let started = try await army.post(
                "/api/dashboard/workflows/run", ["brief_id": brief["id"] ?? .null, "workflow_slug": .string(workflow)])
            let run = started["workflow_run_id"]?.stringValue ?? ""
            print("run \(run): \(workflow) for \(brief["handle"]?.stringValue ?? handle)")
            let detail = try await Console.follow(army, run: run)
            let status = detail["status"]?.stringValue ?? ""
            if status == "awaiting_approval" {
                let pending = try await army.get("/api/dashboard/approvals")
                for approval in pending["items"]?.arrayValue ?? [] where approval["run_id"] == .string(run) {
                    print(
                        "\nwaiting for approval \(approval["id"]?.stringValue ?? ""): tiktok-army approve \(approval["id"]?.stringValue ?? "")"
                    )
                }
            } else {
                print(
                    String(
                        format: "\n%@ — $%.4f, %d ms", status, detail["total_cost_usd"]?.doubleValue ?? 0,
                        detail["total_latency_ms"]?.intValue ?? 0))
                if let report = detail["report_md"]?.stringValue { print("\n" + report) }
            }
            if status == "failed" || status == "rejected" { throw ExitCode(1) }
        }
    }
}

struct Runs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List recent runs.")
    @Option(help: "Only runs with this status.") var status: String?
    @OptionGroup var console: ConsoleOptions

    func run() async throws {
        try await Console.session(console) { army in
            let runs = try await army.get("/api/dashboard/workflows/runs?limit=20" + (status.map { "&status=\($0)" } ?? ""))
            for run in runs["items"]?.arrayValue ?? [] {
                print(
                    [
                        run["id"]?.stringValue ?? "",
                        (run["workflow_slug"]?.stringValue ?? "").padding(toLength: 17, withPad: " ", startingAt: 0),
                        (run["status"]?.stringValue ?? "").padding(toLength: 18, withPad: " ", startingAt: 0),
                        String(format: "$%.4f", run["total_cost_usd"]?.doubleValue ?? 0), run["brief"]?["handle"]?.stringValue ?? "",
                    ].joined(separator: "  "))
            }
        }
    }
}

struct Approvals: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List approvals waiting for a decision.")
    @OptionGroup var console: ConsoleOptions

    func run() async throws {
        try await Console.session(console) { army in
            let items = try await army.get("/api/dashboard/approvals")["items"]?.arrayValue ?? []
            if items.isEmpty { print("nothing is waiting for approval") }
            for approval in items {
                print(
                    "\(approval["id"]?.stringValue ?? "")  \(approval["payload"]?["title"]?.stringValue ?? approval["step_key"]?.stringValue ?? "")  run \(approval["run_id"]?.stringValue ?? "")"
                )
            }
        }
    }
}

struct Approve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Approve (or with --reject, reject) an approval, then follow the run.")
    @Argument(help: "The approval id.") var id: String
    @Option(help: "A note recorded with the decision.") var note: String?
    @Flag(help: "Reject instead of approving.") var reject = false
    @OptionGroup var console: ConsoleOptions

    func run() async throws {
        try await Console.session(console) { army in
            let decided = try await army.post(
                "/api/dashboard/approvals/\(id)/\(reject ? "reject" : "approve")", note.map { ["note": .string($0)] } ?? [:])
            print("\(decided["status"]?.stringValue ?? "") \(id)")
            if let run = decided["run_id"]?.stringValue {
                let detail = try await Console.follow(army, run: run)
                print("\n\(detail["status"]?.stringValue ?? "")")
                if let report = detail["report_md"]?.stringValue { print("\n" + report) }
            }
        }
    }
}

struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay an ended run exactly from its recording (no Claude or TikTok calls, no cost) and say whether it matched.")
    @Argument(help: "The id of the run to replay.") var id: String
    @OptionGroup var console: ConsoleOptions

    func run() async throws {
        try await Console.session(console) { army in
            let started = try await army.post("/api/dashboard/workflows/runs/\(id)/replay", [:])
            let replay = started["run"]?["id"]?.stringValue ?? ""
            let original = started["run"]?["replay_of"]?.stringValue ?? id
            print("replay \(replay) of run \(original)")
            let detail = try await Console.follow(army, run: replay)
            let recorded = try await army.get("/api/dashboard/workflows/runs/\(original)")
            let status = detail["status"]?.stringValue ?? ""
            print(
                String(
                    format: "\n%@ — $%.4f (the recorded run: %@)", status, detail["total_cost_usd"]?.doubleValue ?? 0,
                    recorded["status"]?.stringValue ?? "?"))
            let outputs = { (run: JSONValue) -> [String: JSONValue] in
                Dictionary(
                    (run["steps"]?.arrayValue ?? []).compactMap { step in
                        step["step_key"]?.stringValue.map { ($0, step["output"] ?? .null) }
                    },
                    uniquingKeysWith: { first, _ in first })
            }
            let (mine, theirs) = (outputs(detail), outputs(recorded))
            let differing = theirs.keys.sorted().filter { mine[$0] != theirs[$0] }
            print(differing.isEmpty ? "every step's output matches the recording" : "outputs differ: \(differing.joined(separator: ", "))")
            print(
                detail["report_md"] == recorded["report_md"] ? "the report matches the recording" : "the report differs from the recording")
            if status != recorded["status"]?.stringValue || !differing.isEmpty { throw ExitCode(1) }
        }
    }
}

struct Evaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-run recorded runs with a changed model (their TikTok data from the recording, Claude asked again) and compare.",
        discussion: """
            Choose runs by id, or the latest succeeded ones by --workflow, --handle, --from and --to (--limit, default 5). \
            --model AGENT=MODEL (repeatable) sets the change; without it the runs are re-run with this build's prompts and models.
            """)
    @Argument(help: "Ids of recorded runs (optional).") var runs: [String] = []
    @Option(help: "Only runs of this workflow.") var workflow: String?
    @Option(help: "Only runs of this brand handle.") var handle: String?
    @Option(help: "Runs created on or after this day (YYYY-MM-DD).") var from: String?
    @Option(help: "Runs created on or before this day (YYYY-MM-DD).") var to: String?
    @Option(help: "How many of the latest matching runs (1-20).") var limit: Int?
    @Option(name: .customLong("model"), help: "AGENT=MODEL, e.g. synthesis=claude-sonnet-5-5.") var models: [String] = []
    @OptionGroup var console: ConsoleOptions

    func run() async throws {
        var change: [String: JSONValue] = [:]
        for pair in models {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--model takes AGENT=MODEL, got \"\(pair)\"")
            }
            change[parts[0]] = .string(parts[1])
        }
        var body: [String: JSONValue] = ["models": .object(change)]
        if !runs.isEmpty { body["run_ids"] = .array(runs.map { .string($0) }) }
        for (key, value) in [("workflow", workflow), ("handle", handle), ("from", from), ("to", to)] {
            if let value { body[key] = .string(value) }
        }
        if let limit { body["limit"] = .number(limit) }
        let request = body
        try await Console.session(console) { army in
            var report = try await army.post("/api/dashboard/evaluations", .object(request))
            let id = report["evaluation"]?["id"]?.stringValue ?? ""
            print("evaluation \(id): \(report["evaluation"]?["name"]?.stringValue ?? "")")
            var shown = -1
            while report["evaluation"]?["status"] == "running" {
                let ended = report["progress"]?["ended"]?.intValue ?? 0
                if ended != shown {
                    print("  \(ended)/\(report["progress"]?["runs"]?.intValue ?? 0) re-runs ended")
                    shown = ended
                }
                try await Task.sleep(for: .milliseconds(300))
                report = try await army.get("/api/dashboard/evaluations/\(id)")
            }
            for run in report["runs"]?.arrayValue ?? [] {
                let changed = run["report_diff"]?.stringValue?.isEmpty == false
                print(
                    String(
                        format: "  %@  %@  %@  $%.4f -> $%.4f  %@", run["source_run_id"]?.stringValue ?? "",
                        run["handle"]?.stringValue ?? "", run["status"]?.stringValue ?? "", run["before"]?["cost_usd"]?.doubleValue ?? 0,
                        run["after"]?["cost_usd"]?.doubleValue ?? 0, changed ? "report changed" : "report unchanged"))
            }
            let (before, after) = (report["totals"]?["before"] ?? [:], report["totals"]?["after"] ?? [:])
            print(
                String(
                    format:
                        "\n%@: Claude $%.4f -> $%.4f, %d -> %d calls, %d -> %d repairs, %d -> %d output tokens; %d reports changed, %d invalid",
                    report["evaluation"]?["status"]?.stringValue ?? "", before["cost_usd"]?.doubleValue ?? 0,
                    after["cost_usd"]?.doubleValue ?? 0, before["calls"]?.intValue ?? 0, after["calls"]?.intValue ?? 0,
                    before["repairs"]?.intValue ?? 0, after["repairs"]?.intValue ?? 0, before["output_tokens"]?.intValue ?? 0,
                    after["output_tokens"]?.intValue ?? 0, report["totals"]?["changed_reports"]?.intValue ?? 0,
                    report["totals"]?["invalid_runs"]?.intValue ?? 0))
            print("the comparison: /evaluations/\(id)")
        }
    }
}
