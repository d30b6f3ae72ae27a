import Agents
import ServiceLifecycle

/// The recurring work beside the engine: account tokens refreshed before they expire and, in a
/// server (`all`), schedules fired, runs with nothing left to move ended, metrics ingested, the
/// audit outbox relayed and alerts posted.
struct BackgroundJobs: Service {
    let accounts: AccountService
    let service: WorkflowService
    let metrics: MetricsService
    let relay: AuditRelay?
    let notifier: AlertNotifier
    /// Whether the scheduler, metrics, relay and notifier run too (tests drive those one pass at a time).
    let all: Bool

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                // Tokens live 2 to 24 hours: a sweep a minute refreshes each before its margin.
                group.addTask { await every(.seconds(60)) { await accounts.refreshDue() } }
                guard all else { return }
                // Recurring runs: due occurrences are claimed every 15 s.
                group.addTask { await every(.seconds(15)) { _ = try? await service.fireDueSchedules() } }
                // Runs left open with nothing that can move are ended once a minute.
                group.addTask { await every(.seconds(60)) { _ = try? await service.endStalledRuns() } }
                // Metrics arrive daily (T+24-48 h); a pass every six hours keeps the last week current.
                group.addTask { await every(.seconds(6 * 3600)) { _ = await metrics.ingestAll() } }
                if let relay { group.addTask { await relay.run() } }
                group.addTask { await notifier.run() }
            }
        }
    }

    /// Runs `pass`, then again after each `interval`, until the task is cancelled.
    private func every(_ interval: Duration, _ pass: @Sendable () async -> Void) async {
        while !Task.isCancelled {
            await pass()
            try? await Task.sleep(for: interval)
        }
    }
}
