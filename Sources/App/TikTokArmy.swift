import ArgumentParser

@main
struct TikTokArmy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiktok-army",
        abstract: "Runs LLM agent armies for TikTok brands.",
        subcommands: [
            Serve.self, RunWorkflow.self, Runs.self, Replay.self, Evaluate.self, Approvals.self, Approve.self, Worker.self, Migrate.self,
            DB.self,
            WorkspaceCommand.self, KeysCommand.self, AccountsCommand.self, SchedulesCommand.self,
        ])
}

/// Options every command that touches the database shares.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Where the embedded Postgres cluster lives (default: DATA_DIR or .data).")
    var dataDir: String?
}
