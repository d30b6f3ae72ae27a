import Core
import Foundation

/// How the connections of one pool send parameterised statements, shared by all of them.
///
/// `prepared` prepares each statement once per connection under a name unique to that
/// connection and runs it by name. A transaction-pooling proxy (PgBouncer in transaction mode,
/// managed poolers) hands each transaction to any server connection, so a name prepared in one
/// transaction can be missing in the next (`26000`) or, with another client's statements, taken
/// (`42P05`). The first such error switches the pool to `unnamed` for good and is reported once
/// through `onFallback`; the statement or transaction that met it is run again unnamed.
public final class StatementPolicy: @unchecked Sendable {
    private let lock = NSLock()
    private var current: StatementMode
    private let onFallback: @Sendable (String) -> Void

    public init(_ mode: StatementMode, onFallback: @escaping @Sendable (String) -> Void = { _ in }) {
        current = mode
        self.onFallback = onFallback
    }

    /// The mode connections use now.
    public var mode: StatementMode {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// Whether `error` says the server lost (or never had) a statement this connection prepared.
    static func isLostStatement(_ error: DatabaseError) -> Bool {
        error.sqlState == "26000" || error.sqlState == "42P05"
    }

    /// Switches to `unnamed` because of `error`; reports it the first time only.
    func fallBack(because error: DatabaseError) {
        lock.lock()
        let first = current == .prepared
        current = .unnamed
        lock.unlock()
        if first {
            onFallback(
                "prepared statements do not survive on this database connection (\(error)); "
                    + "every statement is sent unnamed from now on: set DATABASE_STATEMENTS=unnamed behind a transaction-pooling proxy")
        }
    }
}
