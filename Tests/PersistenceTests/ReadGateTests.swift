import Core
import Foundation
import Persistence
import TestSupport
import Testing

@Suite struct ReadGateTests {
    @Test func readsBeyondTheLimitWaitAndGoInTheOrderTheyCame() async throws {
        let gate = ReadGate(limit: 2)
        await gate.enter()
        await gate.enter()
        let (first, second) = (Latch(), Latch())
        let firstRead = Task {
            await gate.enter()
            first.open()
        }
        try await eventually("the third read waits") { gate.state.waiting == 1 }
        let secondRead = Task {
            await gate.enter()
            second.open()
        }
        try await eventually("the fourth read waits behind it") { gate.state.waiting == 2 }
        #expect(!first.isOpen && !second.isOpen && gate.state.admitted == 2)
        gate.leave()
        await firstRead.value
        #expect(!second.isOpen, "one place freed lets in the read that waited longest, and no other")
        #expect(gate.state.admitted == 2 && gate.state.waiting == 1)
        gate.leave()
        await secondRead.value
        for _ in 0..<2 { gate.leave() }
        #expect(gate.state.admitted == 0 && gate.state.waiting == 0)
    }

    @Test func aLongQueueKeepsItsOrderAsItsServedPlacesAreDropped() async throws {
        let gate = ReadGate(limit: 1)
        await gate.enter()
        let order = Order()
        var reads: [Task<Void, Never>] = []
        for index in 0..<150 {
            reads.append(
                Task {
                    await gate.enter()
                    order.append(index)
                    gate.leave()
                })
            try await eventually("read \(index) waits") { gate.state.waiting == index + 1 }
        }
        gate.leave()
        for read in reads { await read.value }
        #expect(order.values == Array(0..<150))
        #expect(gate.state.admitted == 0 && gate.state.waiting == 0)
    }

    @Test func aDatabaseRunsNoMoreReadsAtOnceThanItsReadConcurrency() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let database = Database(
            url: TestDatabase.cluster.appURL, poolSize: 4, acquireTimeout: TestDatabase.acquireTimeout, readConcurrency: 1)
        defer { Task { await database.shutdown() } }
        let marker = "gate_" + UUID().uuidString.prefix(8).lowercased()
        // Each read sleeps, then counts the reads of this test running in Postgres, itself included.
        let query = SQLQuery(
            unescaped: """
                SELECT (SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%\(marker)%') AS running
                FROM pg_sleep(0.05)
                """)
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { try await database.read(in: workspace, query).first!.int("running") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts == [1, 1, 1, 1], "each read ran alone: \(counts)")
    }
}

private final class Order: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int] = []
    func append(_ value: Int) { lock.withLock { list.append(value) } }
    var values: [Int] { lock.withLock { list } }
}
