import Core
import Foundation
import Logging
import Persistence
import ServiceLifecycle

/// What a run subscription yields.
public enum RunStreamItem: Sendable, Equatable {
    case event(RunEvent)
    /// Nothing happened for a while; SSE sends a keep-alive comment.
    case keepAlive
}

/// Run events for subscribers on this process, whichever process wrote them.
///
/// Every event is first persisted in `tiktok_run_events` (per-run `seq`) and announced with
/// `NOTIFY` by the transaction that made the change. The bus keeps the last 200 events of each
/// run it has seen in a ring buffer, learns of new ones from the listener (or directly from this
/// process's engine), and fetches from the table whatever the ring does not hold. Subscribers
/// pull: a slow one simply asks later, so memory never grows with it.
///
/// A transaction of this process that writes events says so before it commits (`delivering`):
/// the `NOTIFY` echo of its own events then waits for them to be handed over after the commit,
/// instead of reading back from the table what the process is about to publish.
public actor EventBus {
    public static let ringSize = 200

    private struct Ring {
        /// The latest events, contiguous up to `lastSeq`.
        var events: [RunEvent] = []
        var lastSeq = 0
        var workspace: WorkspaceID
        /// Events that came ahead of one still missing (two commits of the run handed over in the
        /// other order), held until it comes from this process or from the table.
        var early: [Int: RunEvent] = [:]
    }

    private struct Waiter {
        let id: UUID
        let after: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    private let database: Database
    private let logger: Logger
    private let notifications: AsyncStream<ListenerEvent>?
    private var rings: [WorkflowRunID: Ring] = [:]
    private var waiters: [WorkflowRunID: [Waiter]] = [:]
    /// How long the ring of a finished run is kept for late subscribers before it is dropped (they
    /// read the table after that).
    private let finishedRingLifetime: Duration
    /// Finished runs in the order they finished, for dropping their rings.
    private var finished: [(run: WorkflowRunID, at: ContinuousClock.Instant)] = []
    /// Runs with a commit of this process under way whose events it will publish.
    private nonisolated let committing = CommittingRuns()
    /// Notifications that arrived while a commit of their run was under way here: the newest
    /// `seq` announced, read from the table after that commit only if it did not publish it.
    private var deferred: [WorkflowRunID: (seq: Int, workspace: WorkspaceID)] = [:]
    /// Reads of the table so far (catch-ups and subscribers behind the ring).
    public private(set) var tableReads = 0
    /// Subscribers' reads of the table under way.
    private var reading: [TableRead: Task<[RunEvent], any Error>] = [:]

    /// `notifications` are the listener's events that `run()` follows.
    public init(
        database: Database, logger: Logger, notifications: AsyncStream<ListenerEvent>? = nil, finishedRingLifetime: Duration = .seconds(60)
    ) {
        self.database = database
        self.logger = logger
        self.notifications = notifications
        self.finishedRingLifetime = finishedRingLifetime
    }

    /// Consumes the listener's notifications until the stream ends.
    public func follow(_ notifications: AsyncStream<ListenerEvent>) async {
        for await item in notifications { await receive(item) }
    }

    /// Takes one of the listener's events: a run's ring that is behind the announced `seq` reads
    /// the table, unless a commit of this process is about to publish that run's events.
    func receive(_ item: ListenerEvent) async {
        switch item {
        case .notification(let note):
            dropFinishedRings()
            let parts = note.payload.split(separator: ":").map(String.init)
            guard parts.count == 3, let run = WorkflowRunID(parts[0]), let seq = Int(parts[1]), let workspace = WorkspaceID(parts[2])
            else { return }
            if let ring = rings[run], ring.lastSeq >= seq { return }
            guard rings[run] != nil || waiters[run] != nil else { return }
            if committing.contains(run) {
                deferred[run] = (max(seq, deferred[run]?.seq ?? 0), workspace)
                return
            }
            await catchUp(run, workspace: workspace)
        case .reconnected:
            for (run, ring) in rings { await catchUp(run, workspace: ring.workspace) }
        }
    }

    /// Hands events this process just committed straight to local subscribers.
    public func publish(_ events: [RunEvent]) {
        for event in events { ingest(event) }
        dropFinishedRings()
    }

    /// Runs `commit`, a transaction that writes run events, and hands its events to local
    /// subscribers after it. Inside the transaction, before it commits, `commit` passes its events
    /// to the `LocalCommit` it is given: until they are published (or the commit fails), the
    /// `NOTIFY` of those runs does not make the bus read the table.
    public nonisolated func delivering<T: Sendable>(_ commit: (LocalCommit) async throws -> (T, [RunEvent])) async throws -> T {
        let local = LocalCommit(committing)
        let value: T
        let events: [RunEvent]
        do {
            (value, events) = try await commit(local)
        } catch {
            await settle(local.runs)
            throw error
        }
        await handOver(events, settling: local.runs)
        return value
    }

    private func handOver(_ events: [RunEvent], settling runs: Set<WorkflowRunID>) async {
        publish(events)
        await settle(runs)
    }

    /// Ends this process's commit of `runs`: a notification that came meanwhile and announced
    /// more than was published is read from the table now, in a task of its own, so a committer
    /// cancelled meanwhile (a step timed out, the engine stopping) does not cancel the read.
    private func settle(_ runs: Set<WorkflowRunID>) async {
        for run in runs where committing.end(run) {
            guard let late = deferred.removeValue(forKey: run) else { continue }
            if (rings[run]?.lastSeq ?? 0) < late.seq, rings[run] != nil || waiters[run] != nil {
                await Task { await self.catchUp(run, workspace: late.workspace) }.value
            }
        }
    }

    /// Drops the rings of runs that finished more than `finishedRingLifetime` ago and that
    /// nobody waits on, so memory does not grow with every run this process ever saw.
    private func dropFinishedRings() {
        let now = ContinuousClock.now
        var awaited: [(run: WorkflowRunID, at: ContinuousClock.Instant)] = []
        while let oldest = finished.first, oldest.at + finishedRingLifetime <= now {
            finished.removeFirst()
            if waiters[oldest.run] == nil { rings[oldest.run] = nil } else { awaited.append(oldest) }
        }
        finished.insert(contentsOf: awaited, at: 0)
    }

    /// Events of `run` after `seq` (oldest first, at most `limit`), from the ring when it holds
    /// them, else from the table.
    public func read(_ run: WorkflowRunID, workspace: WorkspaceID, after seq: Int, limit: Int = 500) async throws -> [RunEvent] {
        if let ring = rings[run], let first = ring.events.first, first.seq <= seq + 1 {
            return Array(ring.events.filter { $0.seq > seq }.prefix(limit))
        }
        // Subscribers arriving together (a popular run's page after a restart) share one read.
        let key = TableRead(run: run, workspace: workspace, after: seq, limit: limit)
        if let shared = reading[key] { return try await shared.value }
        let read = Task { [database] in
            try await RunEventRepository.list(run: run, after: seq, limit: limit, workspace: workspace, in: database)
        }
        reading[key] = read
        defer { reading[key] = nil }
        tableReads += 1
        let events = try await read.value
        if rings[run] == nil { rings[run] = Ring(workspace: workspace) }
        for event in events { ingest(event) }
        return events
    }

    private struct TableRead: Hashable {
        var run: WorkflowRunID
        var workspace: WorkspaceID
        var after: Int
        var limit: Int
    }

    /// Suspends until an event after `seq` arrives (`true`) or `timeout` passes (`false`).
    public func wait(_ run: WorkflowRunID, workspace: WorkspaceID, after seq: Int, timeout: Duration) async -> Bool {
        if rings[run] == nil { rings[run] = Ring(workspace: workspace) }
        if rings[run]!.lastSeq > seq { return true }
        let id = Crypto.randomUUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.release(run, id: id, result: false)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters[run, default: []].append(Waiter(id: id, after: seq, continuation: continuation))
            }
        } onCancel: {
            Task { await self.release(run, id: id, result: false) }
        }
    }

    /// A pull-based subscription from `seq` on: history first, then live events, each once and in
    /// order, with keep-alives while idle; it ends after `workflow_run.completed`.
    public nonisolated func subscribe(_ run: WorkflowRunID, workspace: WorkspaceID, after seq: Int, keepAlive: Duration = .seconds(15))
        -> RunSubscription
    {
        RunSubscription(bus: self, run: run, workspace: workspace, after: seq, keepAlive: keepAlive)
    }

    /// Number of runs with a ring buffer (for metrics).
    public var trackedRuns: Int { rings.count }

    /// Whether a subscriber waits on `run`.
    func hasWaiters(_ run: WorkflowRunID) -> Bool { waiters[run] != nil }

    private func release(_ run: WorkflowRunID, id: UUID, result: Bool) {
        guard let index = waiters[run]?.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters[run]!.remove(at: index)
        if waiters[run]!.isEmpty { waiters[run] = nil }
        waiter.continuation.resume(returning: result)
    }

    private func catchUp(_ run: WorkflowRunID, workspace: WorkspaceID) async {
        let after = rings[run]?.lastSeq ?? 0
        tableReads += 1
        do {
            let events = try await RunEventRepository.list(run: run, after: after, workspace: workspace, in: database)
            if rings[run] == nil { rings[run] = Ring(workspace: workspace) }
            for event in events { ingest(event) }
        } catch {
            logger.warning("event catch-up failed", metadata: ["workflow.run_id": "\(run)", "error": "\(error)"])
        }
    }

    private func ingest(_ event: RunEvent) {
        var ring = rings[event.runId] ?? Ring(workspace: event.workspaceId)
        guard event.seq > ring.lastSeq else { return }
        var arrived: [RunEvent] = []
        if event.seq == ring.lastSeq + 1 || ring.events.isEmpty {
            arrived.append(event)
            while let next = ring.early.removeValue(forKey: event.seq + arrived.count) { arrived.append(next) }
        } else if ring.early.count < Self.ringSize {
            ring.early[event.seq] = event
        } else {
            // Too far behind: keep only the newest; readers fall back to the table.
            ring.events = []
            ring.early = [:]
            arrived.append(event)
        }
        guard let last = arrived.last else {
            rings[event.runId] = ring
            return
        }
        ring.events += arrived
        if ring.events.count > Self.ringSize { ring.events.removeFirst(ring.events.count - Self.ringSize) }
        ring.lastSeq = last.seq
        rings[event.runId] = ring
        if arrived.contains(where: { $0.event == .runCompleted }) { finished.append((event.runId, ContinuousClock.now)) }
        if let pending = waiters[event.runId] {
            let ready = pending.filter { $0.after < last.seq }
            waiters[event.runId] = pending.filter { $0.after >= last.seq }
            if waiters[event.runId]!.isEmpty { waiters[event.runId] = nil }
            for waiter in ready { waiter.continuation.resume(returning: true) }
        }
    }
}

/// The events of one run as an `AsyncSequence` that reads only when its consumer asks.
public struct RunSubscription: AsyncSequence, Sendable {
    public typealias Element = RunStreamItem
    let bus: EventBus
    let run: WorkflowRunID
    let workspace: WorkspaceID
    let after: Int
    let keepAlive: Duration

    public func makeAsyncIterator() -> Iterator {
        Iterator(bus: bus, run: run, workspace: workspace, cursor: after, keepAlive: keepAlive)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let bus: EventBus
        let run: WorkflowRunID
        let workspace: WorkspaceID
        var cursor: Int
        let keepAlive: Duration
        var buffer: [RunEvent] = []
        var finished = false

        public mutating func next() async throws -> RunStreamItem? {
            while !finished {
                try Task.checkCancellation()
                if !buffer.isEmpty {
                    let event = buffer.removeFirst()
                    guard event.seq == cursor + 1 || cursor == 0 && event.seq >= 1 else {
                        buffer.removeAll()
                        continue
                    }
                    cursor = event.seq
                    if event.event == .runCompleted { finished = true }
                    return .event(event)
                }
                buffer = try await bus.read(run, workspace: workspace, after: cursor)
                if buffer.isEmpty, await !bus.wait(run, workspace: workspace, after: cursor, timeout: keepAlive) {
                    try Task.checkCancellation()
                    return .keepAlive
                }
            }
            return nil
        }
    }
}

/// A transaction of this process that writes run events, as `EventBus.delivering` sees it.
public final class LocalCommit: @unchecked Sendable {
    private let committing: CommittingRuns
    private let lock = NSLock()
    private var expected: Set<WorkflowRunID> = []

    init(_ committing: CommittingRuns) { self.committing = committing }

    /// Says, before the transaction commits, which runs it wrote `events` of. Safe to call again
    /// when the transaction runs once more.
    public func expect(_ events: [RunEvent]) {
        expect(runs: events.map(\.runId))
    }

    /// `expect` for a transaction whose events are known only once it has committed: the runs
    /// it writes events of.
    public func expect(runs: [WorkflowRunID]) {
        let fresh: [WorkflowRunID] = lock.withLock {
            let new = Set(runs).subtracting(expected)
            expected.formUnion(new)
            return Array(new)
        }
        for run in fresh { committing.begin(run) }
    }

    var runs: Set<WorkflowRunID> { lock.withLock { expected } }
}

/// How many commits of this process are under way per run; read by the bus as notifications
/// arrive, written from the transactions' threads.
final class CommittingRuns: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [WorkflowRunID: Int] = [:]

    func begin(_ run: WorkflowRunID) { lock.withLock { counts[run, default: 0] += 1 } }

    /// Whether that was the run's last commit under way.
    func end(_ run: WorkflowRunID) -> Bool {
        lock.withLock {
            let left = (counts[run] ?? 1) - 1
            counts[run] = left > 0 ? left : nil
            return left <= 0
        }
    }

    func contains(_ run: WorkflowRunID) -> Bool { lock.withLock { counts[run] != nil } }
}

extension EventBus: Service {
    /// Follows the listener's notifications until the group shuts down.
    public func run() async throws {
        guard let notifications else { return try await gracefulShutdown() }
        await cancelWhenGracefulShutdown { await self.follow(notifications) }
    }
}
