import Core
import Foundation

/// Runs' brand contexts in this process, by run and handle: the first agent of a run to need
/// one reads or builds it, and the agents that need it meanwhile or later wait for that one
/// result instead of reading (or building and storing) it again. A run's stored context never
/// changes (the first one stored wins), so what is held here stays right.
public final class BrandContextCache: @unchecked Sendable {
    private struct Key: Hashable {
        var run: WorkflowRunID
        var handle: String
    }

    private let lock = NSLock()
    private var contexts: [Key: Task<BrandContext, any Error>] = [:]
    /// The most contexts held before the cache starts again.
    static let capacity = 128

    public init() {}

    /// The context of `handle` for `run`: the one held, else `load`'s, which this call starts
    /// and every caller until it ends shares. A failed load is forgotten, so the next caller
    /// tries again.
    func context(run: WorkflowRunID, handle: String, load: @escaping @Sendable () async throws -> BrandContext) async throws
        -> BrandContext
    {
        let key = Key(run: run, handle: handle)
        let task = lock.withLock {
            if let held = contexts[key] { return held }
            if contexts.count >= Self.capacity { contexts.removeAll(keepingCapacity: true) }
            let task = Task { try await load() }
            contexts[key] = task
            return task
        }
        do {
            return try await task.value
        } catch {
            lock.withLock {
                if contexts[key] == task { contexts[key] = nil }
            }
            throw error
        }
    }
}
