import ArgumentParser
import Core
import Foundation
import Orchestrator
import Persistence

/// `tiktok-army schedules list|add|remove`: recurring runs of a workspace, against the database.
/// A running server's scheduler fires them.
struct SchedulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules", abstract: "Recurring runs: list, add, remove.", subcommands: [List.self, Add.self, Remove.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a workspace's schedules.")
        @OptionGroup var target: KeysCommand.Target

        func run() async throws {
            do {
                let (database, workspace) = try await target.open()
                let schedules = try await database.withWorkspace(workspace) { try ScheduleRepository.list(on: $0) }
                await database.shutdown()
                if schedules.isEmpty { print("no schedules: add one with `tiktok-army schedules add`") }
                for s in schedules {
                    let rule = s.cron.map { "cron \"\($0)\" \(s.timeZone)" } ?? "every \(s.intervalSeconds ?? 0) s"
                    print("\(s.id.lowercasedString)  \(s.workflowSlug)  \(rule)  next \(Timestamp.format(s.nextRunAt))")
                }
            } catch let error as ValidationError { throw error } catch { Bootstrap.fail("\(error)") }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a brief through a workflow on a cron expression or an interval.")
        @OptionGroup var target: KeysCommand.Target
        @Option(help: "The brief's id") var brief: String
        @Option(help: "Workflow slug (profile_audit, campaign_launch, post_launch_loop, or a stored one)") var workflow: String
        @Option(help: "Five-field cron expression, e.g. \"0 9 * * 1\"") var cron: String?
        @Option(help: "Interval in seconds (at least 60)") var every: Int?
        @Option(name: .customLong("time-zone"), help: "IANA time zone for --cron") var timeZone: String = "UTC"

        func run() async throws {
            guard let briefId = UUID(uuidString: brief) else { throw ValidationError("--brief must be a brief's UUID") }
            guard (cron == nil) != (every == nil) else { throw ValidationError("give either --cron or --every") }
            if let every, every < 60 { throw ValidationError("--every must be at least 60 seconds") }
            guard workflow.range(of: "^[a-z0-9_]{1,64}$", options: .regularExpression) != nil else {
                throw ValidationError("--workflow must be a workflow slug")
            }
            do {
                let (database, workspace) = try await target.open()
                let (cron, every, timeZone, workflow) = (cron, every, timeZone, workflow)
                let schedule = try await database.withWorkspace(workspace) { c in
                    try WorkflowService.schedule(
                        brief: BriefID(briefId), workflowSlug: workflow, cron: cron, intervalSeconds: every, timeZone: timeZone,
                        now: Date(),
                        workspace: workspace, on: c)
                }
                await database.shutdown()
                print("schedule \(schedule.id.lowercasedString): first run \(Timestamp.format(schedule.nextRunAt))")
            } catch let error as ValidationError {
                throw error
            } catch let error as AppError {
                Bootstrap.fail(error.message)
            } catch { Bootstrap.fail("\(error)") }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a schedule.")
        @OptionGroup var target: KeysCommand.Target
        @Argument(help: "The schedule's id") var id: String

        func run() async throws {
            guard let scheduleId = UUID(uuidString: id) else { throw ValidationError("the id must be a UUID") }
            do {
                let (database, workspace) = try await target.open()
                let removed = try await database.withWorkspace(workspace) { try ScheduleRepository.delete(scheduleId, on: $0) }
                await database.shutdown()
                guard removed else { Bootstrap.fail("no schedule \(scheduleId.lowercasedString) in this workspace") }
                print("removed schedule \(scheduleId.lowercasedString)")
            } catch let error as ValidationError { throw error } catch { Bootstrap.fail("\(error)") }
        }
    }
}
