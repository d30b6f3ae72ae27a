import Core

// The model enums stored as text columns, bound by their raw values.
extension Brief.Status: SQLEncodable {}
extension TargetType: SQLEncodable {}
extension RunStatus: SQLEncodable {}
extension StepStatus: SQLEncodable {}
extension StepKind: SQLEncodable {}
extension Approval.Status: SQLEncodable {}
extension AgentRun.Status: SQLEncodable {}
extension AgentStep.Kind: SQLEncodable {}
extension KeyRole: SQLEncodable {}
extension SpendLedgerEntry.Category: SQLEncodable {}
extension AccountKind: SQLEncodable {}
extension AccountStatus: SQLEncodable {}
extension RunEvent.Name: SQLEncodable {}
extension Evaluation.Status: SQLEncodable {}

extension RunStatus {
    /// The statuses a run ends in, as an SQL list for `status IN` and `status NOT IN`.
    static let finishedSQL = SQLQuery(
        unescaped: "(" + allCases.filter(\.isTerminal).map { "'" + $0.rawValue + "'" }.joined(separator: ", ") + ")")
}

/// A comma-separated column list with each column prefixed by a table alias (`a, b` -> `r.a, r.b`).
func qualified(_ columns: SQLQuery, by alias: String) -> SQLQuery {
    SQLQuery(
        unescaped: columns.sql.split(separator: ",").map { alias + "." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .joined(separator: ", "))
}
