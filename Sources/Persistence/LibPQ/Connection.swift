import CLibPQ
import Core
import Foundation

/// One libpq connection: the only file that imports `CLibPQ`.
///
/// Every call blocks, so a `Connection` is only used from the pool's blocking threads (or a
/// dedicated thread), one caller at a time; it never runs on an event loop.
public final class Connection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Statements that reached the server and answered; `0` means a failure happened before any.
    public private(set) var completedStatements = 0
    /// Answers waited for: a statement alone, or a whole pipeline, is one.
    public private(set) var roundTrips = 0
    /// Statements prepared (each a round trip of its own, counted in `roundTrips` too): once per
    /// connection and statement.
    public private(set) var preparations = 0
    /// Server-side prepared statements of this connection, by SQL text.
    private var prepared: [String: String] = [:]
    /// Statements `send` queued, whose answers nobody reads: they go with the next statement
    /// that needs an answer, or with `COMMIT`.
    private var queued: [Queued] = []
    /// Statements `sendAtCommit` queued: they go last, just before `COMMIT`.
    private var atCommit: [Queued] = []
    /// A `begin` not sent yet.
    private var beginQueued = false
    /// Scopes the transaction's row-level security to the workspace id it is given.
    private static let scopeStatement = "SELECT set_config('app.workspace_id', $1, true)"

    /// Opens a transaction, its row-level security scoped to `workspace` when given: `BEGIN` and
    /// the setting are queued, so they travel with the transaction's first statement.
    public func begin(scopedTo workspace: String?) {
        queued.append(Queued("BEGIN", []))
        if let workspace { queued.append(Queued(Self.scopeStatement, [workspace])) }
        beginQueued = true
    }
    /// Past this many distinct statements, further ones run unprepared.
    static let preparedLimit = 512
    /// Prepared or unnamed statements; shared with the other connections of a pool.
    public let statements: StatementPolicy
    /// Starts this connection's statement names, so no two connections (or processes sharing a
    /// server connection through a proxy) ever prepare the same name.
    private let namePrefix = "tta_" + Crypto.randomUUID().lowercasedString.prefix(8) + "_"

    /// Connects; throws `DatabaseError` with kind `.connection` when the server cannot be reached.
    public init(url: String, statements: StatementPolicy = StatementPolicy(.prepared)) throws(DatabaseError) {
        self.statements = statements
        guard let handle = PQconnectdb(url) else {
            throw DatabaseError(kind: .connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(handle)
            throw DatabaseError(kind: .connection, message: message)
        }
        self.handle = handle
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        _ = try execute("SET TIME ZONE 'UTC'")
    }

    deinit { PQfinish(handle) }

    /// Whether libpq considers the connection unusable.
    public var isBroken: Bool { PQstatus(handle) != CONNECTION_OK }

    /// Whether a transaction is open (or failed and not yet rolled back).
    public var inTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// The backend's process id, for `pg_terminate_backend` and diagnostics.
    public var backendPID: Int32 { PQbackendPID(handle) }

    /// Runs one parameterised statement (`$1`, `$2`, ...). Parameters travel separately from the
    /// SQL text, so no value is ever parsed as SQL. With `prepared` statements it is prepared on
    /// this connection the first time it is seen and executed by name afterwards, so the server
    /// parses and plans it once per connection; with `unnamed` ones the text and parameters go in
    /// one round. A prepared statement the server lost switches the pool to `unnamed` (see
    /// `StatementPolicy`): outside a transaction the statement is sent again at once; inside one
    /// the error is thrown, since the transaction is aborted, and `Database` runs it again.
    @discardableResult
    public func query(_ query: SQLQuery) throws(DatabaseError) -> QueryResult {
        try run(query.sql, query.binds)
    }

    /// Sends a statement whose answer is not needed (an audit row, a trace row, a row lock, a
    /// `NOTIFY`). Inside a transaction it is queued and travels with the next statement that
    /// needs an answer, or with `COMMIT`, in one round trip (libpq pipeline mode); an error it
    /// meets is thrown there and fails the transaction as a whole. Outside one it runs at once.
    public func send(_ query: SQLQuery) throws(DatabaseError) {
        guard inTransaction || beginQueued else {
            try run(query.sql, query.binds)
            return
        }
        queued.append(Queued(query))
    }

    /// Like `send`, but the answer is kept: it is in the returned `LaterAnswer` once the round
    /// trip that carries the statement (the next statement that needs an answer, or `COMMIT`) is
    /// back. For statements whose answers are only needed once the transaction has committed (a
    /// claim's starts, which cannot lose the steps it claimed; a run's creation); a failure among
    /// them fails the transaction as `send`'s do. Outside a transaction it runs at once.
    public func sendForLater(_ query: SQLQuery) throws(DatabaseError) -> LaterAnswer {
        let answer = LaterAnswer()
        guard inTransaction || beginQueued else {
            answer.result = try run(query.sql, query.binds)
            return answer
        }
        queued.append(Queued(query, answer: answer))
        return answer
    }

    /// Like `send`, but the statement runs last in the transaction, just before `COMMIT`: for
    /// updates of a row that many transactions share (a workspace's daily spend total), so its
    /// lock is held only while the transaction commits rather than through its other statements.
    /// Outside a transaction it runs at once.
    public func sendAtCommit(_ query: SQLQuery) throws(DatabaseError) {
        guard inTransaction || beginQueued else {
            try run(query.sql, query.binds)
            return
        }
        atCommit.append(Queued(query))
    }

    /// Runs statements whose answers are all needed but none depends on another's, in one round
    /// trip (libpq pipeline mode) together with anything queued; returns their answers in order.
    /// The first failure is thrown, and the statements after it do not run.
    public func queries(_ queries: [SQLQuery]) throws(DatabaseError) -> [QueryResult] {
        guard queries.count > 1 else { return try queries.map { query throws(DatabaseError) in try self.query(query) } }
        let ahead = takeQueued()
        return try pipeline(ahead + queries.map { Queued($0) }, answers: ahead.count..<(ahead.count + queries.count))
    }

    @discardableResult
    private func run(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) -> QueryResult {
        let texts = parameters.map(\.text)
        if !queued.isEmpty { return try pipeline(takeQueued() + [Queued(sql, texts)]) }
        if statements.mode == .prepared {
            do {
                if let name = try statementName(sql, parameterCount: texts.count) {
                    return try consume(
                        withCStrings(texts) { pointers in
                            PQexecPrepared(handle, name, Int32(pointers.count), pointers, nil, nil, 0)
                        })
                }
            } catch  where StatementPolicy.isLostStatement(error) {
                statements.fallBack(because: error)
                prepared.removeAll()
                if inTransaction { throw error }
            }
        }
        return try consume(
            withCStrings(texts) { pointers in
                PQexecParams(handle, sql, Int32(pointers.count), nil, pointers, nil, nil, 0)
            })
    }

    /// The prepared statement for `sql`, preparing it first when new; `nil` past `preparedLimit`.
    private func statementName(_ sql: String, parameterCount: Int) throws(DatabaseError) -> String? {
        if let name = prepared[sql] { return name }
        guard prepared.count < Self.preparedLimit else { return nil }
        let name = namePrefix + String(prepared.count + 1)
        try consume(PQprepare(handle, name, sql, Int32(parameterCount), nil))
        preparations += 1
        prepared[sql] = name
        return name
    }

    /// Runs SQL text with no parameters; may hold several statements (migrations, `BEGIN`).
    @discardableResult
    public func execute(_ sql: String) throws(DatabaseError) -> QueryResult {
        if sql == "COMMIT", !atCommit.isEmpty {
            queued += atCommit
            atCommit.removeAll()
        } else if sql == "ROLLBACK" {
            atCommit.removeAll()
        }
        if !queued.isEmpty {
            if sql == "ROLLBACK" {
                let opened = !beginQueued
                _ = takeQueued()
                // Nothing reached the server: there is nothing to roll back.
                if !opened { return QueryResult(columns: [], rows: [], affectedRows: 0) }
            } else if sql == "COMMIT" {
                return try pipeline(takeQueued() + [Queued(sql, [])])
            } else {
                try pipeline(takeQueued())
            }
        }
        return try consume(PQexec(handle, sql))
    }

    private func takeQueued() -> [Queued] {
        defer {
            queued.removeAll()
            beginQueued = false
        }
        return queued
    }

    /// Sends `batch` in one round trip (pipeline mode) and returns the answer of the statement at
    /// `answerAt` (the last by default); the first failure is thrown (the statements after it are
    /// skipped by the server).
    @discardableResult
    private func pipeline(_ batch: [Queued], answerAt: Int? = nil) throws(DatabaseError) -> QueryResult {
        let answered = answerAt ?? batch.count - 1
        return try pipeline(batch, answers: answered..<(answered + 1))[0]
    }

    /// Sends `batch` in one round trip and returns the answers of the statements in `answers`.
    private func pipeline(_ batch: [Queued], answers: Range<Int>) throws(DatabaseError) -> [QueryResult] {
        // Prepared (once per connection) before the pipeline starts.
        var names: [String?] = []
        for statement in batch {
            // With or without parameters (`BEGIN`, a list's first page): unnamed, a statement is
            // parsed and planned again on every call.
            names.append(statements.mode == .prepared ? try statementName(statement.sql, parameterCount: statement.texts.count) : nil)
        }
        guard PQenterPipelineMode(handle) == 1 else { throw DatabaseError(kind: .connection, message: errorText()) }
        var sent = true
        for (statement, name) in zip(batch, names) where sent {
            sent =
                withCStrings(statement.texts) { pointers in
                    if let name { return PQsendQueryPrepared(handle, name, Int32(pointers.count), pointers, nil, nil, 0) }
                    return PQsendQueryParams(handle, statement.sql, Int32(pointers.count), nil, pointers, nil, nil, 0)
                } == 1
        }
        guard sent, PQpipelineSync(handle) == 1 else {
            _ = PQexitPipelineMode(handle)
            throw DatabaseError(kind: .connection, message: errorText())
        }
        var answered: [QueryResult] = []
        var failure: DatabaseError?
        for index in batch.indices {
            while let result = PQgetResult(handle) {
                defer { PQclear(result) }
                switch PQresultStatus(result) {
                case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
                    completedStatements += 1
                    if answers.contains(index) { answered.append(read(result)) }
                    if let later = batch[index].answer { later.result = read(result) }
                case PGRES_PIPELINE_ABORTED:
                    if failure == nil { failure = DatabaseError(kind: .query, message: "the pipeline was aborted") }
                default: if failure == nil || failure?.sqlState == nil { failure = error(of: result) }
                }
            }
        }
        if let sync = PQgetResult(handle) { PQclear(sync) }
        _ = PQexitPipelineMode(handle)
        roundTrips += 1
        if let failure {
            if StatementPolicy.isLostStatement(failure) {
                statements.fallBack(because: failure)
                prepared.removeAll()
            }
            throw failure
        }
        guard answered.count == answers.count else { throw DatabaseError(kind: .query, message: "the pipeline returned no answer") }
        return answered
    }

    /// Reads pending `NOTIFY` messages without blocking; `waitSeconds` first waits for the socket.
    public func notifications(waitSeconds: Double) throws(DatabaseError) -> [PGNotification] {
        let socket = PQsocket(handle)
        guard socket >= 0 else { throw DatabaseError(kind: .connection, message: "connection has no socket") }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, Int32(waitSeconds * 1000))
        guard PQconsumeInput(handle) == 1 else {
            throw DatabaseError(kind: .connection, message: errorText())
        }
        var out: [PGNotification] = []
        while let notify = PQnotifies(handle) {
            out.append(PGNotification(channel: String(cString: notify.pointee.relname), payload: String(cString: notify.pointee.extra)))
            PQfreemem(notify)
        }
        return out
    }

    private func errorText() -> String {
        String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs one statement in a transaction (read-only when `readOnly`) whose row-level security
    /// is scoped to `workspace`, sending `BEGIN`, the setting, the statement and `COMMIT` in one
    /// round trip (libpq pipeline mode) instead of three. A failure rolls the transaction back and
    /// is thrown.
    public func runInWorkspace(_ workspace: String, readOnly: Bool, _ query: SQLQuery) throws(DatabaseError) -> QueryResult {
        do {
            return try pipeline(
                [
                    Queued(readOnly ? "BEGIN READ ONLY" : "BEGIN", []), Queued(Self.scopeStatement, [workspace]), Queued(query),
                    Queued("COMMIT", []),
                ], answerAt: 2)
        } catch {
            if !isBroken, inTransaction { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    @discardableResult
    private func consume(_ result: OpaquePointer?) throws(DatabaseError) -> QueryResult {
        guard let result else {
            throw DatabaseError(kind: isBroken ? .connection : .query, message: errorText())
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            completedStatements += 1
            roundTrips += 1
            return read(result)
        default: throw error(of: result)
        }
    }

    /// The error a failed result reports, with its SQLSTATE and detail.
    private func error(of result: OpaquePointer) -> DatabaseError {
        let field = { (code: Int32) -> String? in
            guard let value = PQresultErrorField(result, code) else { return nil }
            return String(cString: value)
        }
        let message = field(Int32(UInt8(ascii: "M"))) ?? errorText()
        let sqlState = field(Int32(UInt8(ascii: "C")))
        let kind: DatabaseError.Kind = (isBroken || sqlState?.hasPrefix("08") == true || sqlState == "57P01") ? .connection : .query
        return DatabaseError(kind: kind, message: message, sqlState: sqlState, detail: field(Int32(UInt8(ascii: "D"))))
    }

    private func read(_ result: OpaquePointer) -> QueryResult {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for c in 0..<columnCount { columns.append(String(cString: PQfname(result, Int32(c)))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for c in 0..<columnCount {
                if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(r), Int32(c))))
                }
            }
            rows.append(values)
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return QueryResult(columns: columns, rows: rows, affectedRows: affected)
    }
}

/// The answer of a statement `Connection.sendForLater` queued: set once the round trip that
/// carried it is back, so read it after the transaction's `COMMIT` (or a later query).
public final class LaterAnswer: @unchecked Sendable {
    /// `nil` until the statement has run.
    public fileprivate(set) var result: QueryResult?

    fileprivate init() {}

    /// The answer; throws when it is read before the round trip that carries it is back.
    public func value() throws -> QueryResult {
        guard let result else { throw DatabaseError(kind: .query, message: "a statement's answer was read before it came back") }
        return result
    }
}

/// A statement waiting in a connection's queue, and where its answer goes when one is kept.
private struct Queued {
    var sql: String
    var texts: [String?]
    var answer: LaterAnswer?

    init(_ sql: String, _ texts: [String?]) { (self.sql, self.texts) = (sql, texts) }

    init(_ query: SQLQuery, answer: LaterAnswer? = nil) {
        (sql, texts, self.answer) = (query.sql, query.binds.map(\.text), answer)
    }
}

/// A `NOTIFY` message.
public struct PGNotification: Sendable, Equatable {
    public init(channel: String, payload: String) {
        self.channel = channel
        self.payload = payload
    }
    public var channel: String
    public var payload: String
}

private func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let owned: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } }
    defer { for pointer in owned { free(pointer) } }
    return body(owned.map { $0.map { UnsafePointer($0) } })
}
