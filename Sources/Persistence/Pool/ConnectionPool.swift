import Foundation

/// A bounded set of libpq connections, each owned by a blocking thread of its own.
///
/// Units of work queue in the order they came, and a free thread takes the next one (the one
/// idle the shortest, whose connection is warmest), so a connection goes from one unit to the
/// next without leaving its thread. A thread opens its connection on first use and again after
/// it broke or the pool was drained. A unit that waits longer than the acquire timeout fails:
/// a sweeper thread of the pool's own expires those, on time even when Swift's cooperative pool
/// is saturated.
///
/// Reads (`submit(read: true, ...)`) run at most `readLimit` at once, in the order they came;
/// other units pass the reads that wait. A dashboard's reads arrive in bursts of many at a
/// time. Admitted all at once, each gets a backend, and Postgres's backends then share the cores
/// in time slices, so the slowest read waits for many others' slices. A few at a time finish in
/// turn, and the rest of the pool stays free for the engine's transitions. The thread that ends a
/// read takes the next waiting one itself, without going idle.
public final class ConnectionPool: @unchecked Sendable {
    /// Counts for `/metrics` and diagnostics.
    public struct Stats: Sendable, Equatable {
        public var open: Int
        public var idle: Int
        public var waiting: Int
        public var capacity: Int
    }

    /// What a thread does with its connection after a unit ran on it.
    enum Disposition {
        /// Keep it for the next unit.
        case keep
        /// Close it; the next unit opens another.
        case discard
        /// Close it and run the same unit again on a new connection (its second attempt).
        case retryOnNewConnection
    }

    /// A unit of work: `run` gets a connection and its attempt (1, or 2 after
    /// `.retryOnNewConnection`) and returns what to do with the connection and how to answer the
    /// caller, which the thread does once its books are kept; `fail` answers it without a
    /// connection (none could be opened, the wait timed out, the pool stopped).
    struct Unit {
        let run: (Connection, Int) -> (Disposition, answer: () -> Void)
        let fail: (any Error) -> Void
        let deadline: ContinuousClock.Instant
        /// A read, run at most `readLimit` at once.
        let read: Bool
    }

    private let url: String
    private let capacity: Int
    private let acquireTimeout: Duration
    private let statements: StatementPolicy
    private let lock = NSLock()
    /// Wakes the sweeper when units start waiting, and at `stop()`.
    private let sweeperWake = DispatchSemaphore(value: 0)
    /// The idle threads' wake-up calls, the most recently idle last.
    private var idle: [DispatchSemaphore] = []
    private var queue = FIFO<Unit>()
    /// Reads waiting for one of the `readLimit` places.
    private var reads = FIFO<Unit>()
    private var readsRunning = 0
    /// How many reads run at once.
    public let readLimit: Int
    private var open = 0
    private var busy = 0
    private var generation = 0
    private var sweeping = false
    private var stopping = false
    private var running: Int

    init(url: String, capacity: Int, acquireTimeout: Duration, statements: StatementPolicy, readLimit: Int) {
        self.url = url
        self.capacity = capacity
        self.readLimit = max(1, readLimit)
        self.acquireTimeout = acquireTimeout
        self.statements = statements
        running = capacity + 1
        for index in 0..<capacity {
            let thread = Thread { [self] in work() }
            thread.name = "postgres-\(index)"
            thread.start()
        }
        let sweeper = Thread { [self] in sweep() }
        sweeper.name = "postgres-sweeper"
        sweeper.start()
    }

    public var stats: Stats {
        lock.withLock { Stats(open: open, idle: open - min(busy, open), waiting: queue.count + reads.count, capacity: capacity) }
    }

    /// Reads running and reads waiting.
    public var readState: (running: Int, waiting: Int) { lock.withLock { (readsRunning, reads.count) } }

    /// Queues a unit for the next free thread; a `read` waits besides for one of the read places.
    func submit(
        read: Bool = false, run: @escaping (Connection, Int) -> (Disposition, answer: () -> Void), fail: @escaping (any Error) -> Void
    ) {
        let unit = Unit(run: run, fail: fail, deadline: .now + acquireTimeout, read: read)
        let startSweeper: Bool? = lock.withLock {
            if stopping { return nil }
            if read {
                reads.append(unit)
                if readsRunning < readLimit { idle.popLast()?.signal() }
            } else {
                queue.append(unit)
                idle.popLast()?.signal()
            }
            // Units wait: more than the free threads take, or reads beyond the free read places.
            guard runnable > capacity - busy || reads.count > readLimit - readsRunning, !sweeping else { return false }
            sweeping = true
            return true
        }
        switch startSweeper {
        case nil: fail(Self.stoppedError)
        case true?: sweeperWake.signal()
        case false?: break
        }
    }

    /// Has every thread open a new connection before its next unit (after a server restart, or
    /// when one connection broke and the others most likely share its fate).
    public func drain() {
        lock.withLock { generation += 1 }
    }

    /// Stops the threads once the units they run are done; queued and later units fail.
    /// `stopped` tells when every thread has ended.
    public func stop() {
        let dropped: ArraySlice<Unit> = lock.withLock {
            stopping = true
            let rest = queue.removeAll() + reads.removeAll()
            for thread in idle { thread.signal() }
            idle.removeAll()
            return rest
        }
        sweeperWake.signal()
        for unit in dropped { unit.fail(Self.stoppedError) }
    }

    /// Whether every thread has ended after `stop()`.
    public var stopped: Bool { lock.withLock { running == 0 } }

    /// The next unit a free thread may run, taken from its queue (under `lock`): the oldest of
    /// the waiting units and, while a read place is free, the waiting reads.
    private func takeNext() -> Unit? {
        if readsRunning < readLimit, let read = reads.first, queue.first.map({ read.deadline < $0.deadline }) ?? true {
            readsRunning += 1
            return reads.popFirst()
        }
        return queue.popFirst()
    }

    /// How many units a free thread could take now (under `lock`).
    private var runnable: Int { queue.count + min(reads.count, readLimit - readsRunning) }

    private static let stoppedError = DatabaseError(kind: .connection, message: "the database pool has stopped")

    private func work() {
        var connection: Connection?
        var openedIn = 0
        let wake = DispatchSemaphore(value: 0)
        while true {
            lock.lock()
            while runnable == 0, !stopping {
                idle.append(wake)
                lock.unlock()
                wake.wait()
                lock.lock()
            }
            if stopping {
                if connection != nil { open -= 1 }
                running -= 1
                lock.unlock()
                return
            }
            let unit = takeNext()!
            busy += 1
            let stale = connection != nil && openedIn != generation
            if stale { open -= 1 }
            lock.unlock()
            if stale { connection = nil }

            var answer: () -> Void = {}
            var attempt = 1
            while true {
                if connection == nil {
                    do {
                        connection = try Connection(url: url, statements: statements)
                        lock.withLock {
                            open += 1
                            openedIn = generation
                        }
                    } catch {
                        answer = { unit.fail(error) }
                        break
                    }
                }
                let (disposition, reply) = unit.run(connection!, attempt)
                answer = reply
                if disposition == .keep, !connection!.isBroken { break }
                connection = nil
                lock.withLock { open -= 1 }
                guard disposition == .retryOnNewConnection, attempt == 1 else { break }
                attempt = 2
            }
            lock.withLock {
                busy -= 1
                guard unit.read else { return }
                readsRunning -= 1
                // This thread takes one unit next; an idle one takes the read this one let in.
                if runnable > 1 { idle.popLast()?.signal() }
            }
            answer()
        }
    }

    /// The sweeper thread: while units wait, sleeps until the oldest one's deadline and fails the
    /// units whose time is up; otherwise sleeps until units start waiting. Units and reads each
    /// queue in deadline order, so the first of each is the next due.
    private func sweep() {
        let error = DatabaseError(kind: .poolTimeout, message: "no database connection became free within \(acquireTimeout)")
        while true {
            let (expired, next, ended): ([Unit], ContinuousClock.Instant?, Bool) = lock.withLock {
                if stopping {
                    running -= 1
                    return ([], nil, true)
                }
                var expired: [Unit] = []
                let now = ContinuousClock.now
                while let first = queue.first, first.deadline <= now { expired.append(queue.popFirst()!) }
                while let first = reads.first, first.deadline <= now { expired.append(reads.popFirst()!) }
                guard sweeping, let next = [queue.first?.deadline, reads.first?.deadline].compactMap({ $0 }).min() else {
                    sweeping = false
                    return (expired, nil, false)
                }
                return (expired, next, false)
            }
            for unit in expired { unit.fail(error) }
            if ended { return }
            if let next {
                let (seconds, attoseconds) = (next - .now).components
                let nanoseconds = max(0, Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
                _ = sweeperWake.wait(timeout: .now() + .nanoseconds(nanoseconds))
            } else {
                sweeperWake.wait()
            }
        }
    }
}
