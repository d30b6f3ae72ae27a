import Foundation

/// Runs one blocking call (process spawning, a one-off connection) on its own thread, for the
/// start-up and CLI paths that have no pool yet.
public enum Blocking {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.start()
        }
    }
}
