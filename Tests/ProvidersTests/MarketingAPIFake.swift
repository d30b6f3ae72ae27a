import Core
import Foundation
import TestSupport

/// The Marketing API's create endpoints as the facts sheet documents them (the official SDK's
/// "[required]" markers and enum values): the `{code, message, request_id, data}` envelope,
/// `Access-Token` auth, string ids, and a refusal naming the first missing or invalid field.
final class MarketingAPIFake: @unchecked Sendable {
    static let required: [String: [String]] = [
        "/campaign/create/": ["advertiser_id", "campaign_name", "objective_type"],
        "/adgroup/create/": [
            "advertiser_id", "campaign_id", "adgroup_name", "budget_mode", "budget", "schedule_type", "schedule_start_time",
            "optimization_goal",
            "billing_event", "pacing",
        ],
        "/ad/create/": ["advertiser_id", "adgroup_id", "creatives"],
        "/campaign/status/update/": ["advertiser_id", "campaign_ids", "operation_status"],
        "/campaign/update/": ["advertiser_id", "campaign_id"],
    ]
    static let enums: [String: Set<String>] = [
        "objective_type": [
            "REACH", "TRAFFIC", "VIDEO_VIEWS", "ENGAGEMENT", "LEAD_GENERATION", "APP_PROMOTION", "WEB_CONVERSIONS", "PRODUCT_SALES",
        ],
        "budget_mode": ["BUDGET_MODE_INFINITE", "BUDGET_MODE_TOTAL", "BUDGET_MODE_DAY", "BUDGET_MODE_DYNAMIC_DAILY_BUDGET"],
        "schedule_type": ["SCHEDULE_FROM_NOW", "SCHEDULE_START_END"],
        "pacing": ["PACING_MODE_SMOOTH", "PACING_MODE_FAST"],
        "billing_event": ["CPC", "CPM", "CPV", "OCPM", "GD"],
        "placement_type": ["PLACEMENT_TYPE_NORMAL", "PLACEMENT_TYPE_AUTOMATIC"],
        "operation_status": ["ENABLE", "DISABLE", "DELETE"],
    ]

    private let lock = NSLock()
    private var campaigns: Set<String> = []
    private var adGroups: Set<String> = []
    private var next = 1_000
    /// Ids of what was created, per endpoint.
    private(set) var created: [String: [String]] = [:]
    /// Leave the id out of this endpoint's answer (a malformed response).
    var omitIdOf: String?
    /// Each campaign's operation status and daily budget.
    private(set) var status: [String: String] = [:]
    private(set) var budgets: [String: Double] = [:]

    func reply(_ request: ReceivedRequest) -> FakeReply {
        func refuse(_ code: Int, _ message: String) -> FakeReply {
            .json(["code": .number(code), "message": .string(message), "request_id": "fake-req", "data": [:]])
        }
        guard request.header("access-token")?.isEmpty == false else { return refuse(40104, "Access token is null") }
        guard let required = Self.required[request.path] else { return FakeReply(status: 404) }
        guard let body = request.json, case .object(let fields) = body else { return refuse(40002, "request body must be a JSON object") }
        for field in required where fields[field] == nil || fields[field] == .null {
            return refuse(40002, "\(field): Missing data for required field.")
        }
        for (field, allowed) in Self.enums {
            if let value = fields[field], !(value.stringValue.map(allowed.contains) ?? false) {
                return refuse(40002, "\(field): invalid value \(value.jsonString)")
            }
        }
        for field in ["advertiser_id", "campaign_id", "adgroup_id"] where fields[field] != nil && fields[field]?.stringValue == nil {
            return refuse(40002, "\(field): Not a valid string.")
        }
        if let start = fields["schedule_start_time"],
            start.stringValue?.range(of: #"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"#, options: .regularExpression) == nil
        {
            return refuse(40002, "schedule_start_time: must be YYYY-MM-DD HH:MM:SS")
        }
        return lock.withLock { () -> FakeReply in
            next += 1
            let id = "17\(next)0000000000001"
            switch request.path {
            case "/campaign/status/update/":
                for campaign in fields["campaign_ids"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                    guard campaigns.contains(campaign) else { return refuse(40002, "campaign_ids: campaign does not exist") }
                    status[campaign] = fields["operation_status"]?.stringValue
                }
                return .json(["code": 0, "message": "OK", "request_id": "fake-req", "data": [:]])
            case "/campaign/update/":
                let campaign = fields["campaign_id"]!.stringValue!
                guard campaigns.contains(campaign) else { return refuse(40002, "campaign_id: campaign does not exist") }
                if let budget = fields["budget"]?.doubleValue { budgets[campaign] = budget }
                return .json(["code": 0, "message": "OK", "request_id": "fake-req", "data": ["campaign_id": .string(campaign)]])
            case "/campaign/create/":
                campaigns.insert(id)
                status[id] = fields["operation_status"]?.stringValue ?? "ENABLE"
                budgets[id] = fields["budget"]?.doubleValue
                created["/campaign/create/", default: []].append(id)
                return .json([
                    "code": 0, "message": "OK", "request_id": "fake-req",
                    "data": omitIdOf == request.path ? [:] : ["campaign_id": .string(id)],
                ])
            case "/adgroup/create/":
                guard campaigns.contains(fields["campaign_id"]!.stringValue!) else {
                    return refuse(40002, "campaign_id: campaign does not exist")
                }
                adGroups.insert(id)
                created["/adgroup/create/", default: []].append(id)
                return .json([
                    "code": 0, "message": "OK", "request_id": "fake-req",
                    "data": omitIdOf == request.path ? [:] : ["adgroup_id": .string(id)],
                ])
            default:
                guard adGroups.contains(fields["adgroup_id"]!.stringValue!) else {
                    return refuse(40002, "adgroup_id: ad group does not exist")
                }
                guard let creatives = fields["creatives"]?.arrayValue, !creatives.isEmpty else {
                    return refuse(40002, "creatives: must not be empty")
                }
                created["/ad/create/", default: []].append(id)
                return .json([
                    "code": 0, "message": "OK", "request_id": "fake-req",
                    "data": omitIdOf == request.path ? [:] : ["ad_ids": [.string(id)]],
                ])
            }
        }
    }
}
