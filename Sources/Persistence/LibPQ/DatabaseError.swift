import Core

/// A failure talking to Postgres, carrying the server's SQLSTATE when there is one.
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The server could not be reached or the connection broke.
        case connection
        /// The server refused the statement (see `sqlState`).
        case query
        /// No pooled connection became free in time.
        case poolTimeout
        /// A column held something that does not decode to the asked type.
        case decoding
    }
    public var kind: Kind
    public var message: String
    /// Five-character SQLSTATE, e.g. `23505` for a unique violation, `42501` for an RLS refusal.
    public var sqlState: String?
    public var detail: String?

    public init(kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
    }

    public var description: String {
        var text = message
        if let sqlState { text = "[\(sqlState)] " + text }
        if let detail { text += " (\(detail))" }
        return text
    }

    /// `23505`.
    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// `TA002`: a step's lease was asserted (`RunTransitions.holdLease`) and is no longer held.
    public var isLeaseLost: Bool { sqlState == "TA002" }

    /// `TA003`: a step's success sent as leaving its run open (`RunTransitions.sendComplete`)
    /// turned out to end the run.
    public var isRunEnding: Bool { sqlState == "TA003" }

    /// The database could not be reached or is shutting down or starting up (connection
    /// failures, pool timeouts, SQLSTATE classes 08 and 57P): worth trying again later.
    public var isUnavailable: Bool {
        kind == .connection || kind == .poolTimeout || sqlState?.hasPrefix("08") == true || sqlState?.hasPrefix("57P") == true
    }

    /// How the API should report this error: constraint problems are the caller's, the rest are ours.
    public var appError: AppError {
        switch (kind, sqlState) {
        case _ where isUnavailable: .unavailable("the database is unavailable")
        case (_, "23505"): .conflict("a conflicting record already exists")
        case (_, "23503"): .invalidInput("a referenced record does not exist")
        case (_, "23514"), (_, "22P02"), (_, "22001"): .invalidInput("a value was out of range or malformed")
        default: .internal("database error")
        }
    }
}
