import Core
import Foundation

/// Business-account insights.
public protocol TikTokBusinessAPI: Sendable {
    func audience(handle: String) async throws -> AudienceInsights
    func recentVideos(handle: String, limit: Int) async throws -> [TikTokVideo]
}

/// Account metrics per day, comment replies: the rest of the Business (Accounts) API.
public protocol TikTokEngagementAPI: Sendable {
    /// `/business/get/` metrics per day between `from` and `to` (UTC dates, at most 60 days back).
    func accountMetrics(handle: String?, from: Date, to: Date) async throws -> [AccountDayMetrics]
    /// Replies under a comment (`/business/comment/reply/list/`).
    func replies(videoId: String, commentId: String) async throws -> [TikTokComment]
    /// Posts a reply (`/business/comment/reply/create/`); returns the reply's comment id. Not
    /// idempotent: it is sent once, never retried by the transport.
    func reply(videoId: String, commentId: String, text: String) async throws -> String
}

/// Paid campaigns on the Marketing API.
public protocol TikTokAdsAPI: Sendable {
    /// Creates the campaign and its ad group switched off (`operation_status: DISABLE`): the API
    /// checks every field and nothing can spend until `setStatus` switches them on.
    func prepare(_ campaign: CampaignSpec, idempotencyKey: String) async throws -> PreparedCampaign
    /// Creates one ad per posted video (Spark Ads: `tiktok_item_id`) in the prepared ad group.
    func createAds(_ campaign: PreparedCampaign, spec: CampaignSpec, postIds: [String]) async throws -> [String]
    /// Switches a campaign on or off (`/campaign/status/update/`).
    func setStatus(campaignId: String, enabled: Bool) async throws
    /// Sets a campaign's daily budget (`/campaign/update/`); setting the same value twice is harmless.
    func updateBudget(campaignId: String, dailyBudgetUsd: Double) async throws
}

/// The Business and Marketing APIs share a host, the `Access-Token` header and the
/// `{code: 0, message, request_id, data}` envelope (a non-zero `code` is an error even on HTTP 200).
public struct LiveTikTokBusiness: TikTokBusinessAPI, TikTokAdsAPI, TikTokEngagementAPI {
    public var baseURL: String
    private let accessToken: String?
    public var businessID: String?
    public var advertiserID: String?
    public var transport: any HTTPTransport
    public var retry: RetryPolicy
    /// "Now" for an ad group's `schedule_start_time`.
    public var clock: Clock

    public init(
        baseURL: String, accessToken: String?, businessID: String?, advertiserID: String?, transport: any HTTPTransport,
        retry: RetryPolicy = RetryPolicy(),
        clock: Clock = .system
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.accessToken = accessToken
        self.businessID = businessID
        self.advertiserID = advertiserID
        self.transport = transport
        self.retry = retry
        self.clock = clock
    }

    static func unwrap(_ response: HTTPResponse) throws -> JSONValue {
        guard let json = response.json else {
            throw ProviderError(
                provider: "tiktok_business", status: response.status, code: "malformed_response", message: "response is not JSON")
        }
        let code = json["code"]?.intValue ?? -1
        guard response.status == 200, code == 0 else {
            throw ProviderError(
                provider: "tiktok_business", status: response.status, code: String(code),
                message: json["message"]?.stringValue ?? "request failed", logId: json["request_id"]?.stringValue)
        }
        return json["data"] ?? [:]
    }

    func call(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil, retry: RetryPolicy? = nil
    ) async throws -> JSONValue {
        guard let accessToken else { throw ProviderError.notConnected(.tiktokBusiness, nil) }
        let queryString = query.isEmpty ? "" : "?" + query.map { "\($0.0)=\(queryEscape($0.1))" }.joined(separator: "&")
        var request = HTTPRequest(method: method, url: baseURL + path + queryString, headers: [HTTPHeader("Access-Token", accessToken)])
        if let body {
            request.body = Data(body.jsonString.utf8)
            request.headers.append(HTTPHeader("content-type", "application/json"))
        }
        return try Self.unwrap(try await perform(request, provider: "tiktok_business", transport: transport, retry: retry ?? self.retry))
    }

    public func audience(handle: String) async throws -> AudienceInsights {
        guard let businessID else { throw ProviderError.notConnected(.tiktokBusiness, nil) }
        let data = try await call(
            "GET", "/business/get/",
            query: [
                ("business_id", businessID), ("fields", #"["audience_ages","audience_genders","audience_countries"]"#),
            ])
        func shares(_ key: String, _ label: String) -> [String: Double] {
            var out: [String: Double] = [:]
            for entry in data[key]?.arrayValue ?? [] {
                if let name = entry[label]?.stringValue, let share = entry["percentage"]?.doubleValue { out[name] = share }
            }
            return out
        }
        return AudienceInsights(
            ages: shares("audience_ages", "age"), genders: shares("audience_genders", "gender"),
            countries: shares("audience_countries", "country"))
    }

    public func recentVideos(handle: String, limit: Int) async throws -> [TikTokVideo] {
        guard let businessID else { throw ProviderError.notConnected(.tiktokBusiness, nil) }
        let data = try await call(
            "GET", "/business/video/list/",
            query: [
                ("business_id", businessID), ("max_count", String(min(limit, 20))),
                ("fields", #"["item_id","caption","create_time","video_views","likes","comments","shares"]"#),
            ])
        return (data["videos"]?.arrayValue ?? []).prefix(limit).map { item in
            TikTokVideo(
                id: item["item_id"]?.stringValue ?? "", description: item["caption"]?.stringValue ?? "",
                createTime: item["create_time"]?.intValue ?? 0,
                views: item["video_views"]?.intValue ?? 0, likes: item["likes"]?.intValue ?? 0, comments: item["comments"]?.intValue ?? 0,
                shares: item["shares"]?.intValue ?? 0, hashtags: [])
        }
    }

    public func prepare(_ campaign: CampaignSpec, idempotencyKey: String) async throws -> PreparedCampaign {
        guard let advertiserID else { throw ProviderError.notConnected(.tiktokAds, nil) }
        let created = try await call(
            "POST", "/campaign/create/",
            body: [
                "advertiser_id": .string(advertiserID), "campaign_name": .string(campaign.name),
                "objective_type": .string(campaign.objective), "budget_mode": "BUDGET_MODE_DAY", "budget": .number(campaign.dailyBudgetUsd),
                "operation_status": "DISABLE", "request_id": .string(idempotencyKey),
            ])
        let campaignId = try Self.id(created["campaign_id"], "campaign_id", of: "/campaign/create/")
        var group: [String: JSONValue] = [
            "advertiser_id": .string(advertiserID), "campaign_id": .string(campaignId), "adgroup_name": .string(campaign.name + " / group"),
            "budget_mode": "BUDGET_MODE_DAY", "budget": .number(campaign.dailyBudgetUsd), "placement_type": "PLACEMENT_TYPE_AUTOMATIC",
            "billing_event": .string(campaign.billingEvent), "optimization_goal": .string(campaign.optimizationGoal),
            "schedule_type": "SCHEDULE_FROM_NOW", "schedule_start_time": .string(Self.scheduleTime(campaign.startTime ?? clock.now())),
            "pacing": "PACING_MODE_SMOOTH", "operation_status": "DISABLE",
        ]
        if !campaign.locationIds.isEmpty { group["location_ids"] = .array(campaign.locationIds.map { .string($0) }) }
        if !campaign.ageGroups.isEmpty { group["age_groups"] = .array(campaign.ageGroups.map { .string($0) }) }
        // The SDK marks schedule_start_time and pacing required even with SCHEDULE_FROM_NOW.
        let createdGroup = try await call("POST", "/adgroup/create/", body: .object(group))
        return PreparedCampaign(
            campaignId: campaignId, adGroupId: try Self.id(createdGroup["adgroup_id"], "adgroup_id", of: "/adgroup/create/"))
    }

    public func createAds(_ campaign: PreparedCampaign, spec: CampaignSpec, postIds: [String]) async throws -> [String] {
        guard let advertiserID else { throw ProviderError.notConnected(.tiktokAds, nil) }
        var ids: [String] = []
        for (index, postId) in postIds.enumerated() {
            let creative: JSONValue = [
                "ad_name": .string("\(spec.name) / ad \(index + 1)"), "ad_text": .string(spec.adText), "ad_format": "SINGLE_VIDEO",
                "call_to_action": .string(spec.callToAction), "tiktok_item_id": .string(postId),
            ]
            let ad = try await call(
                "POST", "/ad/create/",
                body: ["advertiser_id": .string(advertiserID), "adgroup_id": .string(campaign.adGroupId), "creatives": [creative]])
            ids.append(try Self.id(ad["ad_ids"]?.arrayValue?.first, "ad_ids", of: "/ad/create/"))
        }
        return ids
    }

    public func setStatus(campaignId: String, enabled: Bool) async throws {
        guard let advertiserID else { throw ProviderError.notConnected(.tiktokAds, nil) }
        _ = try await call(
            "POST", "/campaign/status/update/",
            body: [
                "advertiser_id": .string(advertiserID), "campaign_ids": [.string(campaignId)],
                "operation_status": enabled ? "ENABLE" : "DISABLE",
            ])
    }

    public func updateBudget(campaignId: String, dailyBudgetUsd: Double) async throws {
        guard let advertiserID else { throw ProviderError.notConnected(.tiktokAds, nil) }
        _ = try await call(
            "POST", "/campaign/update/",
            body: ["advertiser_id": .string(advertiserID), "campaign_id": .string(campaignId), "budget": .number(dailyBudgetUsd)])
    }

    public func accountMetrics(handle: String?, from: Date, to: Date) async throws -> [AccountDayMetrics] {
        guard let businessID else { throw ProviderError.notConnected(.tiktokBusiness, nil) }
        let data = try await call(
            "GET", "/business/get/",
            query: [
                ("business_id", businessID), ("start_date", AccountDayMetrics.day(from)), ("end_date", AccountDayMetrics.day(to)),
                ("fields", #"["followers_count","video_views","profile_views","likes","comments","shares","daily_new_followers"]"#),
            ])
        return (data["metrics"]?.arrayValue ?? []).compactMap { item in
            guard let date = item["date"]?.stringValue else { return nil }
            return AccountDayMetrics(
                date: date, followers: item["followers_count"]?.intValue ?? data["followers_count"]?.intValue ?? 0,
                newFollowers: item["daily_new_followers"]?.intValue ?? 0, videoViews: item["video_views"]?.intValue ?? 0,
                profileViews: item["profile_views"]?.intValue ?? 0, likes: item["likes"]?.intValue ?? 0,
                comments: item["comments"]?.intValue ?? 0, shares: item["shares"]?.intValue ?? 0)
        }
    }

    public func replies(videoId: String, commentId: String) async throws -> [TikTokComment] {
        guard let businessID else { throw ProviderError.notConnected(.tiktokBusiness, nil) }
        let data = try await call(
            "GET", "/business/comment/reply/list/",
            query: [("business_id", businessID), ("video_id", videoId), ("comment_id", commentId), ("max_count", "30")])
        return (data["comments"]?.arrayValue ?? []).map { item in
            TikTokComment(
                id: item["comment_id"]?.idText ?? "", videoId: videoId, text: item["text"]?.stringValue ?? "",
                likes: item["likes"]?.intValue ?? 0, isOwner: item["owner"]?.boolValue ?? false)
        }
    }

    public func reply(videoId: String, commentId: String, text: String) async throws -> String {
        guard let businessID else { throw ProviderError.notConnected(.tiktokBusiness, nil) }
        let data = try await call(
            "POST", "/business/comment/reply/create/",
            body: [
                "business_id": .string(businessID), "video_id": .string(videoId), "comment_id": .string(commentId),
                "text": .string(String(text.prefix(150))),
            ], retry: RetryPolicy.none)
        return data["comment_id"]?.idText ?? ""
    }

    /// An id the API returned, as a string; a response without it fails the launch instead of
    /// carrying an empty id into the next call.
    static func id(_ value: JSONValue?, _ field: String, of path: String) throws -> String {
        switch value {
        case .string(let id)? where !id.isEmpty: return id
        case .number(let number)? where number.isInteger: return number.text
        default: throw ProviderError(provider: "tiktok_ads", code: "malformed_response", message: "\(path) answered without \(field)")
        }
    }

    /// `YYYY-MM-DD HH:MM:SS` in UTC, the Marketing API's time format.
    static func scheduleTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }
}
