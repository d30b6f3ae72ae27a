import Core
import Foundation

/// Read-only research on public TikTok data.
public protocol TikTokResearchAPI: Sendable {
    func userInfo(handle: String) async throws -> TikTokProfile
    /// The handle's videos created in `days` days up to `until`, newest first, at most `limit`.
    func videos(handle: String, days: Int, until: Date, limit: Int) async throws -> [TikTokVideo]
    /// Recent videos using any of `hashtags`, for trend scouting.
    func hashtagVideos(_ hashtags: [String], days: Int, until: Date, limit: Int) async throws -> [TikTokVideo]
    /// Public comments on a video.
    func comments(videoId: String, limit: Int) async throws -> [TikTokComment]
}

/// OAuth client-credentials tokens for open.tiktokapis.com, cached until shortly before expiry.
public actor TikTokAppToken {
    private let baseURL: String
    private let clientKey: String
    private let clientSecret: String
    private let transport: any HTTPTransport
    private let clock: Clock
    private var cached: (token: String, expires: Date)?

    public init(baseURL: String, clientKey: String, clientSecret: String, transport: any HTTPTransport, clock: Clock = .system) {
        self.baseURL = baseURL
        self.clientKey = clientKey
        self.clientSecret = clientSecret
        self.transport = transport
        self.clock = clock
    }

    public func token() async throws -> String {
        if let cached, cached.expires > clock.now() { return cached.token }
        let form = "client_key=\(queryEscape(clientKey))&client_secret=\(queryEscape(clientSecret))&grant_type=client_credentials"
        let request = HTTPRequest(
            method: "POST", url: baseURL + "/v2/oauth/token/", headers: [HTTPHeader("content-type", "application/x-www-form-urlencoded")],
            body: Data(form.utf8))
        let response = try await perform(request, provider: "tiktok", transport: transport, retry: RetryPolicy())
        guard response.status == 200, let json = response.json, let token = json["access_token"]?.stringValue else {
            throw ProviderError(
                provider: "tiktok", status: response.status, code: response.json?["error"]?.stringValue ?? "oauth_failed",
                message: response.json?["error_description"]?.stringValue ?? "could not obtain an access token",
                logId: response.json?["log_id"]?.stringValue)
        }
        let lifetime = json["expires_in"]?.doubleValue ?? 3600
        cached = (token, clock.now().addingTimeInterval(max(0, lifetime - 60)))
        return token
    }
}

/// The live Research API.
public struct LiveTikTokResearch: TikTokResearchAPI {
    public var baseURL: String
    public var appToken: TikTokAppToken
    public var transport: any HTTPTransport
    public var retry: RetryPolicy

    static let videoFields =
        "id,video_description,create_time,region_code,share_count,view_count,like_count,comment_count,music_id,hashtag_names,username"
    static let userFields =
        "display_name,bio_description,avatar_url,is_verified,follower_count,following_count,likes_count,video_count,bio_url"

    public init(baseURL: String, appToken: TikTokAppToken, transport: any HTTPTransport, retry: RetryPolicy = RetryPolicy()) {
        self.baseURL = baseURL
        self.appToken = appToken
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

    func post(_ path: String, fields: String, body: JSONValue) async throws -> JSONValue {
        let token = try await appToken.token()
        let request = HTTPRequest.json(
            "POST", baseURL + path + "?fields=" + fields, body, headers: [HTTPHeader("authorization", "Bearer \(token)")])
        return try Self.unwrap(try await perform(request, provider: "tiktok", transport: transport, retry: retry))
    }

    public func userInfo(handle: String) async throws -> TikTokProfile {
        let username = handle.hasPrefix("@") ? String(handle.dropFirst()) : handle
        let data = try await post("/v2/research/user/info/", fields: Self.userFields, body: ["username": .string(username)])
        return TikTokProfile(
            handle: "@" + username, displayName: data["display_name"]?.stringValue ?? username,
            bio: data["bio_description"]?.stringValue ?? "",
            isVerified: data["is_verified"]?.boolValue ?? false, followerCount: data["follower_count"]?.intValue ?? 0,
            followingCount: data["following_count"]?.intValue ?? 0, likesCount: data["likes_count"]?.intValue ?? 0,
            videoCount: data["video_count"]?.intValue ?? 0)
    }

    public func videos(handle: String, days: Int, until: Date, limit: Int) async throws -> [TikTokVideo] {
        let username = handle.hasPrefix("@") ? String(handle.dropFirst()) : handle
        return try await query(
            ["and": [["operation": "EQ", "field_name": "username", "field_values": [.string(username)]]]], days: days, until: until,
            limit: limit)
    }

    public func hashtagVideos(_ hashtags: [String], days: Int, until: Date, limit: Int) async throws -> [TikTokVideo] {
        let names = hashtags.map { JSONValue.string($0.hasPrefix("#") ? String($0.dropFirst()) : $0) }
        return try await query(
            ["or": [["operation": "IN", "field_name": "hashtag_name", "field_values": .array(names)]]], days: days, until: until,
            limit: limit)
    }

    public func comments(videoId: String, limit: Int) async throws -> [TikTokComment] {
        let data = try await post(
            "/v2/research/video/comment/list/", fields: "id,video_id,text,like_count,create_time",
            body: ["video_id": .string(videoId), "max_count": .number(min(limit, 100))])
        return (data["comments"]?.arrayValue ?? []).prefix(limit).map { item in
            TikTokComment(
                id: item["id"].map { $0.stringValue ?? $0.jsonString } ?? "", videoId: videoId, text: item["text"]?.stringValue ?? "",
                likes: item["like_count"]?.intValue ?? 0)
        }
    }

    /// Pages through the video query with `cursor` and `search_id` until `limit` or the end.
    func query(_ query: JSONValue, days: Int, until: Date, limit: Int) async throws -> [TikTokVideo] {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let window = min(max(days, 1), 30)
        var body: [String: JSONValue] = [
            "query": query, "start_date": .string(formatter.string(from: until.addingTimeInterval(-Double(window) * 86400))),
            "end_date": .string(formatter.string(from: until)), "max_count": .number(min(limit, 100)),
        ]
        var videos: [TikTokVideo] = []
        while videos.count < limit {
            let data = try await post("/v2/research/video/query/", fields: Self.videoFields, body: .object(body))
            for item in data["videos"]?.arrayValue ?? [] {
                videos.append(
                    TikTokVideo(
                        id: item["id"].map { $0.stringValue ?? $0.jsonString } ?? "",
                        description: item["video_description"]?.stringValue ?? "",
                        createTime: item["create_time"]?.intValue ?? 0, views: item["view_count"]?.intValue ?? 0,
                        likes: item["like_count"]?.intValue ?? 0,
                        comments: item["comment_count"]?.intValue ?? 0, shares: item["share_count"]?.intValue ?? 0,
                        hashtags: item["hashtag_names"]?.arrayValue?.compactMap(\.stringValue) ?? []))
            }
            guard data["has_more"]?.boolValue == true, let cursor = data["cursor"] else { break }
            body["cursor"] = cursor
            if let searchId = data["search_id"] { body["search_id"] = searchId }
        }
        return Array(videos.prefix(limit))
    }
}
