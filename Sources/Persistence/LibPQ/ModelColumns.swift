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
