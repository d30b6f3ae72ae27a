import Core
import Foundation
import Persistence

/// The workspace's daily Claude and ads caps (admin to change; empty means the deployment's
/// default) with today's use, for the API and the spend page.
enum SpendCaps {

    /// The largest cap a workspace may set, per category (a typo of extra zeros is refused).
    static let ceilingUsd = 1_000_000.0

    /// A cap: nil (null or absent) for the default, else 0 to the ceiling.
    static func cap(_ usd: Double?, _ field: String) throws -> Double? {
        guard let usd else { return nil }
        guard usd.isFinite, usd >= 0, usd <= ceilingUsd else {
            throw AppError.invalidInput("\(field) must be a number of dollars from 0 to \(Int(ceilingUsd)), or null for the default")
        }
        return usd
    }

    static func save(claude: Double?, ads: Double?, _ workspace: WorkspaceID, _ database: Database) async throws {
        try await database.withWorkspace(workspace) {
            try SpendLedgerRepository.setCaps(workspace: workspace, claudeDailyUsd: claude, adsDailyUsd: ads, on: $0)
        }
    }

    static func current(_ workspace: WorkspaceID, _ database: Database) async throws -> JSONValue {
        let (claude, ads, own) = try await database.withWorkspace(workspace) { c in
            (
                try SpendLedgerRepository.headroom(.claude, on: c), try SpendLedgerRepository.headroom(.ads, on: c),
                try SpendLedgerRepository.ownCaps(on: c)
            )
        }
        func item(_ headroom: SpendHeadroom, _ own: Double?) -> JSONValue {
            [
                "cap_usd": .number(JSONNumber(headroom.capUsd)), "spent_today_usd": .number(JSONNumber(headroom.spentUsd)),
                "workspace_cap_usd": own.map { .number(JSONNumber($0)) } ?? .null,
            ]
        }
        return ["claude": item(claude, own.claude), "ads": item(ads, own.ads)]
    }
}
