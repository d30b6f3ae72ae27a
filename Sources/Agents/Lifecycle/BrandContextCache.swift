import Core
import Foundation

/// Runs' brand contexts, held in memory once read or built: a run's stored context never changes
/// (the first one stored wins), so the agents after the first read it from here instead of the
/// database and decode it once.
public final class BrandContextCache: @unchecked Sendable {
    private let lock = NSLock()
    private var byRun: [WorkflowRunID: BrandContext] = [:]
    /// The most runs held before the cache starts again.
    static let capacity = 256

    public init() {}

    subscript(run: WorkflowRunID) -> BrandContext? {
        get { lock.withLock { byRun[run] } }
        set {
            lock.withLock {
                if newValue != nil, byRun[run] == nil, byRun.count >= Self.capacity { byRun.removeAll(keepingCapacity: true) }
                byRun[run] = newValue
            }
        }
    }
}
