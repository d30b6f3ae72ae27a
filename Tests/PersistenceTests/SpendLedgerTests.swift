import Core
import Foundation
import Persistence
import TestSupport
import Testing

/// The daily totals behind the spend caps: charges serialised and checked against the cap,
/// settlements that refund without queueing behind them.
@Suite struct SpendLedgerTests {
    @Test func theCapCountsWhatSettlementsGaveBack() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let database = TestDatabase.database
        func inWorkspace<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
            try await database.withWorkspace(workspace, body)
        }
        try await inWorkspace { try SpendLedgerRepository.setCaps(workspace: workspace, claudeDailyUsd: 1.0, adsDailyUsd: nil, on: $0) }

        try await inWorkspace { try SpendLedgerRepository.charge(.claude, amount: 1.0, reference: "r1", on: $0) }
        await #expect(throws: SpendCapExceeded.self, "the reservation fills the cap") {
            try await inWorkspace { try SpendLedgerRepository.charge(.claude, amount: 0.1, reference: "r2", on: $0) }
        }
        try await inWorkspace { try SpendLedgerRepository.settle(.claude, reference: "r1", amount: 0.25, on: $0) }
        #expect(try await inWorkspace { try SpendLedgerRepository.spentToday(.claude, on: $0) } == 0.25)

        try await inWorkspace { try SpendLedgerRepository.charge(.claude, amount: 0.75, reference: "r2", on: $0) }
        let refused = await #expect(throws: SpendCapExceeded.self, "the refund made room for exactly 0.75") {
            try await inWorkspace { try SpendLedgerRepository.charge(.claude, amount: 0.01, reference: "r3", on: $0) }
        }
        #expect(refused?.spentUsd == 1.0)

        // A call that cost more than it reserved adds the difference to the total.
        try await inWorkspace { try SpendLedgerRepository.settle(.claude, reference: "r2", amount: 0.8, on: $0) }
        #expect(try await inWorkspace { try SpendLedgerRepository.spentToday(.claude, on: $0) } == 1.05)
        let days = try await inWorkspace { try SpendLedgerRepository.perDay(.claude, days: 1, on: $0) }
        #expect(days.map(\.usd) == [1.05], "the day's spend is one figure however many rows hold it")
        // Released entirely: nothing of the reservation stays.
        try await inWorkspace { try SpendLedgerRepository.settle(.claude, reference: "r2", amount: 0, on: $0) }
        #expect(try await inWorkspace { try SpendLedgerRepository.spentToday(.claude, on: $0) } == 0.25)
    }

    @Test func aSettlementDoesNotWaitForAChargeThatHasNotCommitted() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        try await TestDatabase.database.withWorkspace(workspace) {
            try SpendLedgerRepository.charge(.claude, amount: 0.5, reference: "done", on: $0)
        }
        // A charge holds the day's total until its transaction commits.
        let charging = try Connection(url: TestDatabase.cluster.appURL)
        try charging.execute("BEGIN")
        try RunTransitions.scope(to: workspace, charging)
        try SpendLedgerRepository.charge(.claude, amount: 0.5, reference: "in-flight", on: charging)

        // Meanwhile an earlier call settles below its reservation; waiting for any lock would fail it.
        let settling = try Connection(url: TestDatabase.cluster.appURL)
        try settling.execute("BEGIN")
        try RunTransitions.scope(to: workspace, settling)
        try settling.execute("SET LOCAL lock_timeout = '200ms'")
        try SpendLedgerRepository.settle(.claude, reference: "done", amount: 0.2, on: settling)
        try settling.execute("COMMIT")

        try charging.execute("COMMIT")
        #expect(try await TestDatabase.database.withWorkspace(workspace) { try SpendLedgerRepository.spentToday(.claude, on: $0) } == 0.7)
    }
}
