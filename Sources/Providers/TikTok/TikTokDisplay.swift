import Core
import Foundation

/// The Display API (open.tiktokapis.com, `Authorization: Bearer`): the authorizing user's own
/// profile and videos. It cannot read other accounts or comments.
public struct LiveTikTokDisplay: Sendable {
    public var baseURL: String
    public var transport: any HTTPTransport
    public var retry: RetryPolicy

    public static let userFields =
        "open_id,union_id,avatar_url,display_name,bio_description,is_verified,username,follower_count,following_count,likes_count,video_count"
    static let videoFields = "id,create_time,title,video_description,duration,view_count,like_count,comment_count,share_count"

    public init(baseURL: String, transport: any HTTPTransport, retry: RetryPolicy = RetryPolicy()) {
        self.baseURL = baseURL
        self.transport = transport
        self.retry = retry
    }

    /// Unwraps `{data, error: {code: "ok", message, log_id}}`; any other code is an error even on 200.
    static func unwrap(_ response: HTTPResponse) throws -> JSONValue {
        guard let json = response.json else {
            throw ProviderError(provider: "tiktok", status: response.status, code: "malformed_response", message: "response is not JSON")
        }
        let error = json["error"]
        let code = error?["code"]?.stringValue ?? (response.status == 200 ? "ok" : "http_\(response.status)")
        guard code == "ok", response.status == 200 else {
            throw ProviderError(
                provider: "tiktok", status: response.status, code: code, message: error?["message"]?.stringValue ?? "request failed",
                logId: error?["log_id"]?.stringValue)
        }
        return json["data"] ?? [:]
    }

    /// `GET /v2/user/info/?fields=…`: the `user` object.
    public func userInfo(accessToken: String, fields: String = userFields) async throws -> JSONValue {
        let request = HTTPRequest(
            url: baseURL + "/v2/user/info/?fields=" + fields, headers: [HTTPHeader("authorization", "Bearer \(accessToken)")])
        let data = try Self.unwrap(try await perform(request, provider: "tiktok", transport: transport, retry: retry))
        return data["user"] ?? data
    }

    /// `POST /v2/video/list/`: newest first, 20 a page, following `cursor` while `has_more`,
    /// until `limit` videos or one older than `since`.
    public func videos(accessToken: String, since: Date?, limit: Int) async throws -> [TikTokVideo] {
        var videos: [TikTokVideo] = []
        var cursor: JSONValue?
        while videos.count < limit {
            var body: [String: JSONValue] = ["max_count": .number(JSONNumber(min(20, limit - videos.count)))]
            if let cursor { body["cursor"] = cursor }
            let request = HTTPRequest.json(
                "POST", baseURL + "/v2/video/list/?fields=" + Self.videoFields, .object(body),
                headers: [HTTPHeader("authorization", "Bearer \(accessToken)")])
            let data = try Self.unwrap(try await perform(request, provider: "tiktok", transport: transport, retry: retry))
            var reachedSince = false
            for item in data["videos"]?.arrayValue ?? [] {
                let video = Self.video(item)
                if let since, video.createTime < Int(since.timeIntervalSince1970) {
                    reachedSince = true
                    break
                }
                videos.append(video)
            }
            guard !reachedSince, data["has_more"]?.boolValue == true, let next = data["cursor"] else { break }
            cursor = next
        }
        return Array(videos.prefix(limit))
    }

    static func video(_ item: JSONValue) -> TikTokVideo {
        let text = item["video_description"]?.stringValue ?? item["title"]?.stringValue ?? ""
        return TikTokVideo(
            id: item["id"]?.idText ?? "", description: text, createTime: item["create_time"]?.intValue ?? 0,
            views: item["view_count"]?.intValue ?? 0, likes: item["like_count"]?.intValue ?? 0,
            comments: item["comment_count"]?.intValue ?? 0,
            shares: item["share_count"]?.intValue ?? 0, hashtags: hashtags(in: text))
    }

    /// The `#tags` of a caption, lower-cased, without `#`.
    public static func hashtags(in text: String) -> [String] {
        text.split(whereSeparator: { $0.isWhitespace }).filter { $0.hasPrefix("#") && $0.count > 1 }
            .map { String($0.dropFirst()).lowercased().trimmingCharacters(in: .punctuationCharacters) }
    }
}

/// The accounts a workspace connected, as the live providers need them: a valid credential per
/// account (refreshed when due), and a forced refresh when a provider calls a token invalid.
public protocol AccountDirectory: Sendable {
    /// The connected account of `kind` named `handle`, or the workspace's only one of that kind
    /// when `handle` is nil; throws `not_connected` or `needs_reauth` naming what to do.
    func credential(_ kind: AccountKind, handle: String?) async throws -> AccountCredential
    /// The handles of the workspace's connected accounts of `kind`.
    func handles(_ kind: AccountKind) async throws -> [String]
    /// The provider refused `credential`'s token: refresh it now (once) and return the new one.
    func refreshed(_ credential: AccountCredential) async throws -> AccountCredential
}

extension ProviderError {
    /// The handle is not connected in the workspace.
    public static func notConnected(_ kind: AccountKind, _ handle: String?) -> ProviderError {
        ProviderError(
            provider: kind.rawValue, code: "not_connected",
            message:
                "\(handle.map { "\($0) is not connected" } ?? "no \(kind.title) is connected") in this workspace: connect it on the Accounts page"
        )
    }

    /// Whether the provider refused the token itself (expired early, revoked).
    var isInvalidToken: Bool {
        code == "access_token_invalid" || code == "40105" || code == "40104" || status == 401 && code != "scope_not_authorized"
    }
}

/// Live TikTok for one workspace: every call uses the token of the workspace's own connected
/// account — the Display API for profiles and videos, the Business API for audience, comments
/// and replies, the Marketing API for campaigns, Content Posting for videos. Nothing is read for
/// an account the workspace has not connected.
public struct ConnectedTikTok: TikTokResearchAPI, TikTokBusinessAPI, TikTokAdsAPI, TikTokEngagementAPI, VideoPublisher {
    public var accounts: any AccountDirectory
    public var display: LiveTikTokDisplay
    public var businessBaseURL: String
    public var privacyLevel: String
    public var transport: any HTTPTransport
    public var retry: RetryPolicy

    public init(
        accounts: any AccountDirectory, openAPIBaseURL: String, businessBaseURL: String, privacyLevel: String, transport: any HTTPTransport,
        retry: RetryPolicy = RetryPolicy()
    ) {
        self.accounts = accounts
        self.display = LiveTikTokDisplay(baseURL: openAPIBaseURL, transport: transport, retry: retry)
        self.businessBaseURL = businessBaseURL
        self.privacyLevel = privacyLevel
        self.transport = transport
        self.retry = retry
    }

    /// Runs `call` with the account's token; once more with a refreshed one if it was refused.
    func with<T: Sendable>(_ kind: AccountKind, _ handle: String?, _ call: (AccountCredential) async throws -> T) async throws -> T {
        let named = handle.map { $0.hasPrefix("@") ? $0 : "@" + $0 }
        let credential = try await accounts.credential(kind, handle: named)
        do {
            return try await call(credential)
        } catch let error as ProviderError where error.isInvalidToken {
            return try await call(try await accounts.refreshed(credential))
        }
    }

    func business(_ credential: AccountCredential, advertiser: String? = nil) -> LiveTikTokBusiness {
        LiveTikTokBusiness(
            baseURL: businessBaseURL, accessToken: credential.accessToken, businessID: credential.externalId, advertiserID: advertiser,
            transport: transport, retry: retry)
    }

    public func userInfo(handle: String) async throws -> TikTokProfile {
        let user = try await with(.tiktok, handle) { try await display.userInfo(accessToken: $0.accessToken) }
        let username = user["username"]?.stringValue ?? MockTikTok.bare(handle)
        return TikTokProfile(
            handle: "@" + username, displayName: user["display_name"]?.stringValue ?? username,
            bio: user["bio_description"]?.stringValue ?? "",
            isVerified: user["is_verified"]?.boolValue ?? false, followerCount: user["follower_count"]?.intValue ?? 0,
            followingCount: user["following_count"]?.intValue ?? 0, likesCount: user["likes_count"]?.intValue ?? 0,
            videoCount: user["video_count"]?.intValue ?? 0)
    }

    public func videos(handle: String, days: Int, until: Date, limit: Int) async throws -> [TikTokVideo] {
        try await with(.tiktok, handle) {
            try await display.videos(accessToken: $0.accessToken, since: until.addingTimeInterval(-Double(days) * 86400), limit: limit)
        }
    }

    /// No trends source is configured: the workspace's own accounts' recent videos that use any
    /// of `hashtags` (all of them when none match).
    public func hashtagVideos(_ hashtags: [String], days: Int, until: Date, limit: Int) async throws -> [TikTokVideo] {
        var all: [TikTokVideo] = []
        for handle in try await accounts.handles(.tiktok) {
            all += try await videos(handle: handle, days: days, until: until, limit: 20)
        }
        let wanted = Set(hashtags.map { ($0.hasPrefix("#") ? String($0.dropFirst()) : $0).lowercased() })
        let matching = all.filter { !wanted.isDisjoint(with: $0.hashtags) }
        return Array((matching.isEmpty ? all : matching).sorted { $0.views > $1.views }.prefix(limit))
    }

    /// `/business/comment/list/` with the workspace's Business account.
    public func comments(videoId: String, limit: Int) async throws -> [TikTokComment] {
        try await with(.tiktokBusiness, nil) { credential in
            let data = try await business(credential).call(
                "GET", "/business/comment/list/",
                query: [("business_id", credential.externalId), ("video_id", videoId), ("max_count", String(min(limit, 30)))])
            return (data["comments"]?.arrayValue ?? []).prefix(limit).map { item in
                TikTokComment(
                    id: item["comment_id"]?.idText ?? "", videoId: item["video_id"]?.idText ?? videoId,
                    text: item["text"]?.stringValue ?? "",
                    likes: item["likes"]?.intValue ?? 0)
            }
        }
    }

    public func audience(handle: String) async throws -> AudienceInsights {
        try await with(.tiktokBusiness, try await businessHandle(handle)) { try await business($0).audience(handle: handle) }
    }

    public func recentVideos(handle: String, limit: Int) async throws -> [TikTokVideo] {
        try await with(.tiktokBusiness, try await businessHandle(handle)) {
            try await business($0).recentVideos(handle: handle, limit: limit)
        }
    }

    /// The Business account named like the brief's handle, else the workspace's only one.
    func businessHandle(_ handle: String) async throws -> String? {
        let handles = try await accounts.handles(.tiktokBusiness)
        return handles.first { $0.lowercased() == handle.lowercased() } ?? (handles.count == 1 ? nil : handle)
    }

    /// The Marketing API with the workspace's advertiser account.
    func ads<T: Sendable>(_ call: (LiveTikTokBusiness) async throws -> T) async throws -> T {
        try await with(.tiktokAds, nil) { credential in try await call(business(credential, advertiser: credential.externalId)) }
    }

    public func prepare(_ campaign: CampaignSpec, idempotencyKey: String) async throws -> PreparedCampaign {
        try await ads { try await $0.prepare(campaign, idempotencyKey: idempotencyKey) }
    }

    public func createAds(_ campaign: PreparedCampaign, spec: CampaignSpec, postIds: [String]) async throws -> [String] {
        try await ads { try await $0.createAds(campaign, spec: spec, postIds: postIds) }
    }

    public func setStatus(campaignId: String, enabled: Bool) async throws {
        try await ads { try await $0.setStatus(campaignId: campaignId, enabled: enabled) }
    }

    public func updateBudget(campaignId: String, dailyBudgetUsd: Double) async throws {
        try await ads { try await $0.updateBudget(campaignId: campaignId, dailyBudgetUsd: dailyBudgetUsd) }
    }

    public func accountMetrics(handle: String?, from: Date, to: Date) async throws -> [AccountDayMetrics] {
        try await with(.tiktokBusiness, handle) { try await business($0).accountMetrics(handle: handle, from: from, to: to) }
    }

    public func replies(videoId: String, commentId: String) async throws -> [TikTokComment] {
        try await with(.tiktokBusiness, nil) { try await business($0).replies(videoId: videoId, commentId: commentId) }
    }

    public func reply(videoId: String, commentId: String, text: String) async throws -> String {
        try await with(.tiktokBusiness, nil) { try await business($0).reply(videoId: videoId, commentId: commentId, text: text) }
    }

    public func publish(videoPath: String, caption: String, handle: String?) async throws -> PublishResult {
        try await with(.tiktok, handle) { credential in
            try await LiveTikTokPublisher(
                baseURL: display.baseURL, accessToken: credential.accessToken, privacyLevel: privacyLevel, transport: transport,
                retry: retry
            ).publish(videoPath: videoPath, caption: caption, handle: handle)
        }
    }
}
