import Core
import Foundation
import Providers

/// A fake of TikTok's Login Kit OAuth, Display API and the Business account endpoints, written
/// from the documented wire shapes: form bodies and flat JSON for `/v2/oauth/*`, `fields` and
/// Bearer tokens on the Display API, `Access-Token` and the `{code, message, request_id, data}`
/// envelope under `/open_api/v1.3`. Every request is checked against those shapes (a wrong one
/// answers `invalid_request`/`invalid_params` as TikTok would); every answer depends on the token:
/// each user sees only their own profile, videos and comments. Refresh tokens rotate: the old
/// one stops working once used.
public final class TikTokFake: @unchecked Sendable {
    /// One TikTok user the fake knows.
    public struct User: Sendable {
        public var username: String
        public var openId: String
        public var followers: Int
        public var videoIds: [String]
        public var commentIds: [String]
        public var grantedScopes: [String]
        public init(
            username: String, openId: String, followers: Int, videoIds: [String], commentIds: [String] = [], grantedScopes: [String]
        ) {
            self.username = username
            self.openId = openId
            self.followers = followers
            self.videoIds = videoIds
            self.commentIds = commentIds
            self.grantedScopes = grantedScopes
        }
    }

    public let clientKey = "fake-client-key"
    public let clientSecret = "fake-client-secret"
    public let appId = "fake-app-id"
    public let appSecret = "fake-app-secret"
    /// Seconds each access token lives.
    public var accessLifetime = 7200
    private let lock = NSLock()
    private var users: [String: User] = [:]
    private var codes: [String: (user: String, redirect: String?)] = [:]
    private var access: [String: String] = [:]
    private var refresh: [String: String] = [:]
    private var refreshCalls = 0
    private var revoked: [String] = []
    private var advertiserTokens: [String: String] = [:]
    private var posts: [(user: String, publishId: String)] = []
    private var campaigns: [(advertiser: String, name: String)] = []
    private var campaignStatus: [String: String] = [:]
    private var budgetUpdates: [(campaign: String, budget: Double)] = []
    private var replies: [String: [(id: String, text: String)]] = [:]
    private var replyCreates = 0
    /// The next reply is posted, then answered with HTTP 500 (a lost answer).
    public var failReplyAfterPosting = false
    /// `/campaign/status/update/` refuses to switch a campaign on.
    public var refuseEnable = false

    public init(users: [User]) {
        for user in users { self.users[user.username] = user }
    }

    /// Issues an authorization code for `username`, as the consent page would after "Authorize".
    public func authorize(_ username: String, redirectURI: String?) -> String {
        let code = "code-" + UUID().uuidString
        lock.withLock { codes[code] = (username, redirectURI) }
        return code
    }

    /// Makes every access token invalid, as an early expiry or revocation does.
    public func expireAccessTokens() { lock.withLock { access.removeAll() } }
    public var refreshes: Int { lock.withLock { refreshCalls } }
    public func openId(of username: String) -> String? { lock.withLock { users[username]?.openId } }
    public var revokedTokens: [String] { lock.withLock { revoked } }
    /// The refresh tokens that still work.
    public var liveRefreshTokens: [String] { lock.withLock { Array(refresh.keys) } }
    public var liveAccessTokens: [String] { lock.withLock { Array(access.keys) } }
    /// Who published what: the username whose token initialised each post.
    public var published: [(user: String, publishId: String)] { lock.withLock { posts } }
    /// Campaigns created, by the advertiser whose token created them.
    public var createdCampaigns: [(advertiser: String, name: String)] { lock.withLock { campaigns } }
    /// Each campaign's operation status (`ENABLE`, `DISABLE`, `DELETE`).
    public var campaignStatuses: [String: String] { lock.withLock { campaignStatus } }
    public var budgetChanges: [(campaign: String, budget: Double)] { lock.withLock { budgetUpdates } }
    /// Replies under each comment, and how many create calls arrived.
    public func replies(to comment: String) -> [String] { lock.withLock { (replies[comment] ?? []).map(\.text) } }
    public var replyCreateCalls: Int { lock.withLock { replyCreates } }

    func issue(_ username: String) -> (String, String) {
        let token = "act." + UUID().uuidString
        let renewal = "rft." + UUID().uuidString
        access[token] = username
        refresh[renewal] = username
        return (token, renewal)
    }

    static func form(_ body: Data) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    static func oauthError(_ error: String, _ description: String, status: Int = 400) -> FakeReply {
        .json(["error": .string(error), "error_description": .string(description), "log_id": "fake-log"], status: status)
    }

    static func displayError(_ code: String, _ message: String, status: Int) -> FakeReply {
        .json(["data": [:], "error": ["code": .string(code), "message": .string(message), "log_id": "fake-log"]], status: status)
    }

    static func business(_ data: JSONValue, code: Int = 0, message: String = "OK") -> FakeReply {
        .json(["code": .number(JSONNumber(code)), "message": .string(message), "request_id": "fake-request", "data": data])
    }

    /// The handler to run under `FakeServer`.
    public func reply(_ request: ReceivedRequest) -> FakeReply {
        lock.withLock { replyLocked(request) }
    }

    private func replyLocked(_ request: ReceivedRequest) -> FakeReply {
        switch request.path {
        case "/v2/oauth/token/":
            guard request.method == "POST", request.header("content-type") == "application/x-www-form-urlencoded" else {
                return Self.oauthError("invalid_request", "POST a form body")
            }
            let form = Self.form(request.body)
            guard form["client_key"] == clientKey, form["client_secret"] == clientSecret else {
                return Self.oauthError("invalid_client", "unknown client", status: 401)
            }
            let username: String
            switch form["grant_type"] {
            case "authorization_code":
                guard let code = form["code"], let issued = codes.removeValue(forKey: code) else {
                    return Self.oauthError("invalid_grant", "Authorization code is expired.")
                }
                guard form["redirect_uri"] == issued.redirect else {
                    return Self.oauthError("invalid_request", "redirect_uri does not match")
                }
                username = issued.user
            case "refresh_token":
                refreshCalls += 1
                guard let old = form["refresh_token"], let user = refresh.removeValue(forKey: old) else {
                    return Self.oauthError("invalid_grant", "Refresh token is invalid or expired.")
                }
                username = user
            default:
                return Self.oauthError("unsupported_grant_type", "grant_type")
            }
            let user = users[username]!
            let (token, renewal) = issue(username)
            return .json([
                "open_id": .string(user.openId), "scope": .string(user.grantedScopes.joined(separator: ",")),
                "access_token": .string(token),
                "expires_in": .number(JSONNumber(accessLifetime)), "refresh_token": .string(renewal), "refresh_expires_in": 15_552_000,
                "token_type": "Bearer",
            ])
        case "/v2/oauth/revoke/":
            let form = Self.form(request.body)
            guard form["client_key"] == clientKey, form["client_secret"] == clientSecret, let token = form["token"] else {
                return Self.oauthError("invalid_request", "client_key, client_secret and token are required")
            }
            revoked.append(token)
            access.removeValue(forKey: token)
            return .json([:])
        case "/v2/user/info/", "/v2/video/list/":
            guard let bearer = request.header("authorization"), bearer.hasPrefix("Bearer "),
                let username = access[String(bearer.dropFirst(7))], let user = users[username]
            else {
                return Self.displayError("access_token_invalid", "The access token is invalid or not found in the request.", status: 401)
            }
            guard let fields = request.query.split(separator: "&").first(where: { $0.hasPrefix("fields=") }), fields.count > 7 else {
                return Self.displayError("invalid_params", "fields is required", status: 400)
            }
            if request.path == "/v2/user/info/" {
                guard request.method == "GET" else { return Self.displayError("invalid_params", "GET", status: 400) }
                return .json([
                    "data": [
                        "user": [
                            "open_id": .string(user.openId), "username": .string(user.username),
                            "display_name": .string(user.username.capitalized),
                            "follower_count": .number(JSONNumber(user.followers)), "following_count": 10, "likes_count": 1000,
                            "video_count": .number(JSONNumber(user.videoIds.count)),
                            "bio_description": .string("bio of \(user.username)"), "is_verified": false,
                        ]
                    ], "error": ["code": "ok", "message": "", "log_id": "fake-log"],
                ])
            }
            guard user.grantedScopes.contains("video.list") else {
                return Self.displayError("scope_not_authorized", "video.list", status: 401)
            }
            guard request.method == "POST", let body = request.json, let max = body["max_count"]?.intValue, (1...20).contains(max) else {
                return Self.displayError("invalid_params", "max_count must be 1 to 20", status: 400)
            }
            let videos: [JSONValue] = user.videoIds.prefix(max).enumerated().map { index, id in
                [
                    "id": .string(id), "create_time": .number(JSONNumber(1_800_000_000 - index * 3600)),
                    "video_description": .string("clip \(index) #\(user.username)"), "view_count": .number(JSONNumber(user.followers / 2)),
                    "like_count": 100, "comment_count": 10, "share_count": 5,
                ]
            }
            return .json([
                "data": ["videos": .array(videos), "cursor": 1_799_000_000_000, "has_more": false],
                "error": ["code": "ok", "message": "", "log_id": "fake-log"],
            ])
        case "/open_api/v1.3/tt_user/oauth2/token/", "/open_api/v1.3/tt_user/oauth2/refresh_token/":
            guard request.method == "POST", request.header("content-type") == "application/json", let body = request.json,
                body["client_id"]?.stringValue == appId, body["client_secret"]?.stringValue == appSecret
            else { return Self.business([:], code: 40001, message: "client_id or client_secret is invalid") }
            let username: String
            if request.path.hasSuffix("/token/") {
                guard body["grant_type"] == "authorization_code", let code = body["auth_code"]?.stringValue,
                    let issued = codes.removeValue(forKey: code)
                else { return Self.business([:], code: 40002, message: "auth_code is invalid") }
                username = issued.user
            } else {
                refreshCalls += 1
                guard body["grant_type"] == "refresh_token", let old = body["refresh_token"]?.stringValue,
                    let user = refresh.removeValue(forKey: old)
                else { return Self.business([:], code: 40002, message: "refresh_token is invalid") }
                username = user
            }
            let user = users[username]!
            let (token, renewal) = issue(username)
            return Self.business([
                "access_token": .string(token), "token_type": "Bearer", "scope": .string(user.grantedScopes.joined(separator: ",")),
                "expires_in": .number(JSONNumber(accessLifetime)), "refresh_token": .string(renewal),
                "refresh_token_expires_in": 31_536_000,
                "open_id": .string(user.openId),
            ])
        case "/open_api/v1.3/business/get/", "/open_api/v1.3/business/video/list/", "/open_api/v1.3/business/comment/list/",
            "/open_api/v1.3/business/comment/reply/list/", "/open_api/v1.3/business/comment/reply/create/":
            guard let token = request.header("access-token"), let username = access[token], let user = users[username] else {
                return Self.business([:], code: 40105, message: "Access token is invalid")
            }
            var query = Dictionary(
                uniqueKeysWithValues: request.query.split(separator: "&").compactMap { pair -> (String, String)? in
                    let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                    return parts.count == 2 ? (parts[0], parts[1]) : nil
                })
            if request.path.hasSuffix("/reply/create/") {
                guard request.method == "POST", let body = request.json else {
                    return Self.business([:], code: 40002, message: "POST JSON")
                }
                query["business_id"] = body["business_id"]?.stringValue
            }
            guard query["business_id"] == user.openId else {
                return Self.business([:], code: 40002, message: "business_id does not match the token")
            }
            if request.path.hasSuffix("/business/get/") {
                guard let fields = query["fields"], (try? JSONValue.parse(Data(fields.utf8)))?.arrayValue != nil else {
                    return Self.business([:], code: 40002, message: "fields must be a JSON array")
                }
                var metrics: [JSONValue] = []
                if let start = query["start_date"].flatMap(Self.date), let end = query["end_date"].flatMap(Self.date) {
                    guard start <= end, end.timeIntervalSince(start) <= 60 * 86_400 else {
                        return Self.business([:], code: 40002, message: "start_date and end_date must be at most 60 days apart")
                    }
                    var day = start
                    var index = 0
                    while day <= end {
                        metrics.append([
                            "date": .string(AccountDayMetrics.day(day)), "video_views": .number(JSONNumber(1000 + index * 10)),
                            "profile_views": 40, "likes": .number(JSONNumber(100 + index)), "comments": 7, "shares": 3,
                            "daily_new_followers": 12, "followers_count": .number(JSONNumber(user.followers + index * 12)),
                        ])
                        day = day.addingTimeInterval(86_400)
                        index += 1
                    }
                }
                return Self.business([
                    "username": .string(user.username), "display_name": .string(user.username.capitalized),
                    "followers_count": .number(JSONNumber(user.followers)), "metrics": .array(metrics),
                    "audience_ages": [["age": "18-24", "percentage": 0.5], ["age": "25-34", "percentage": 0.5]],
                    "audience_genders": [["gender": "female", "percentage": 0.6]],
                    "audience_countries": [["country": "US", "percentage": 1]],
                ])
            }
            if request.path.hasSuffix("/reply/create/") {
                let body = request.json ?? [:]
                guard let comment = body["comment_id"]?.stringValue, user.commentIds.contains(comment),
                    let video = body["video_id"]?.stringValue, user.videoIds.contains(video)
                else { return Self.business([:], code: 40002, message: "video_id and comment_id must name the account's comment") }
                guard let text = body["text"]?.stringValue, !text.isEmpty, text.count <= 150 else {
                    return Self.business([:], code: 40002, message: "text is required, at most 150 characters")
                }
                replyCreates += 1
                let id = AccountFlows.openId()
                replies[comment, default: []].append((id, text))
                if failReplyAfterPosting {
                    failReplyAfterPosting = false
                    return FakeReply(status: 500)
                }
                return Self.business(["comment_id": .string(id), "video_id": .string(video), "text": .string(text)])
            }
            if request.path.hasSuffix("/reply/list/") {
                guard let comment = query["comment_id"], user.commentIds.contains(comment) else {
                    return Self.business([:], code: 40002, message: "comment_id is not the account's comment")
                }
                let listed: [JSONValue] = (replies[comment] ?? []).map {
                    ["comment_id": .string($0.id), "text": .string($0.text), "owner": true, "parent_comment_id": .string(comment)]
                }
                return Self.business(["comments": .array(listed), "cursor": 0, "has_more": false])
            }
            if request.path.hasSuffix("/business/comment/list/") {
                guard let video = query["video_id"], user.videoIds.contains(video) else {
                    return Self.business([:], code: 40002, message: "video_id is not one of the account's videos")
                }
                let comments: [JSONValue] = user.commentIds.map {
                    ["comment_id": .string($0), "video_id": .string(video), "text": "Where can I buy this?", "likes": 3, "username": "fan"]
                }
                return Self.business(["comments": .array(comments), "cursor": 0, "has_more": false])
            }
            let videos: [JSONValue] = user.videoIds.map {
                [
                    "item_id": .string($0), "caption": "clip", "create_time": 1_800_000_000, "video_views": 10, "likes": 1, "comments": 0,
                    "shares": 0,
                ]
            }
            return Self.business(["videos": .array(videos), "cursor": 0, "has_more": false])
        case "/v2/post/publish/video/init/", "/v2/post/publish/status/fetch/":
            guard let bearer = request.header("authorization"), bearer.hasPrefix("Bearer "),
                let username = access[String(bearer.dropFirst(7))]
            else {
                return Self.displayError("access_token_invalid", "The access token is invalid or not found in the request.", status: 401)
            }
            guard request.method == "POST", let body = request.json else {
                return Self.displayError("invalid_params", "POST JSON", status: 400)
            }
            if request.path.hasSuffix("/status/fetch/") {
                guard let id = body["publish_id"]?.stringValue, posts.contains(where: { $0.publishId == id }) else {
                    return Self.displayError("invalid_params", "unknown publish_id", status: 400)
                }
                return .json(["data": ["status": "PUBLISH_COMPLETE"], "error": ["code": "ok", "message": "", "log_id": "fake-log"]])
            }
            guard body["source_info"]?["source"] == "FILE_UPLOAD", (body["source_info"]?["video_size"]?.intValue ?? 0) > 0,
                body["post_info"]?["privacy_level"]?.stringValue != nil
            else { return Self.displayError("invalid_params", "source_info and post_info.privacy_level are required", status: 400) }
            let id = "v_pub_" + UUID().uuidString.prefix(8).lowercased()
            posts.append((username, id))
            let host = request.header("host") ?? "127.0.0.1"
            return .json([
                "data": ["publish_id": .string(id), "upload_url": .string("http://\(host)/upload/\(id)")],
                "error": ["code": "ok", "message": "", "log_id": "fake-log"],
            ])
        case let path where path.hasPrefix("/upload/"):
            guard request.method == "PUT", request.header("content-range")?.hasPrefix("bytes 0-") == true else {
                return FakeReply(status: 400)
            }
            return FakeReply(status: 201)
        case "/open_api/v1.3/oauth2/access_token/":
            guard let body = request.json, body["app_id"]?.stringValue == appId, body["secret"]?.stringValue == appSecret,
                let code = body["auth_code"]?.stringValue, let issued = codes.removeValue(forKey: code), let user = users[issued.user]
            else { return Self.business([:], code: 40002, message: "app_id, secret or auth_code is invalid") }
            let token = "adv." + UUID().uuidString
            advertiserTokens[token] = user.openId
            return Self.business(["access_token": .string(token), "advertiser_ids": [.string(user.openId)], "scope": [1, 2]])
        case "/open_api/v1.3/campaign/create/", "/open_api/v1.3/adgroup/create/", "/open_api/v1.3/ad/create/",
            "/open_api/v1.3/campaign/status/update/", "/open_api/v1.3/campaign/update/":
            guard let token = request.header("access-token"), let advertiser = advertiserTokens[token] else {
                return Self.business([:], code: 40105, message: "Access token is invalid")
            }
            guard let body = request.json, body["advertiser_id"]?.stringValue == advertiser else {
                return Self.business([:], code: 40002, message: "advertiser_id does not match the token")
            }
            if request.path.hasSuffix("/status/update/") {
                guard let ids = body["campaign_ids"]?.arrayValue?.compactMap(\.stringValue), !ids.isEmpty,
                    let status = body["operation_status"]?.stringValue, ["ENABLE", "DISABLE", "DELETE"].contains(status)
                else { return Self.business([:], code: 40002, message: "campaign_ids and operation_status are required") }
                guard ids.allSatisfy({ campaignStatus[$0] != nil }) else {
                    return Self.business([:], code: 40002, message: "campaign_ids: campaign does not exist")
                }
                if status == "ENABLE", refuseEnable {
                    return Self.business(
                        [:], code: 40002, message: "The campaign cannot be enabled: the advertiser's balance is insufficient")
                }
                for id in ids { campaignStatus[id] = status }
                return Self.business([:])
            }
            if request.path.hasSuffix("/campaign/update/") {
                guard let id = body["campaign_id"]?.stringValue, campaignStatus[id] != nil else {
                    return Self.business([:], code: 40002, message: "campaign_id: campaign does not exist")
                }
                if let budget = body["budget"]?.doubleValue { budgetUpdates.append((id, budget)) }
                return Self.business(["campaign_id": .string(id)])
            }
            let required: [String] =
                request.path.hasSuffix("/campaign/create/")
                ? ["campaign_name", "objective_type"]
                : request.path.hasSuffix("/adgroup/create/")
                    ? [
                        "campaign_id", "adgroup_name", "budget_mode", "budget", "schedule_type", "schedule_start_time", "optimization_goal",
                        "billing_event", "pacing",
                    ]
                    : ["adgroup_id", "creatives"]
            if let missing = required.first(where: { body[$0] == nil }) {
                return Self.business([:], code: 40002, message: "\(missing) is required")
            }
            let id = AccountFlows.openId()
            if request.path.hasSuffix("/campaign/create/") {
                campaigns.append((advertiser, body["campaign_name"]?.stringValue ?? ""))
                campaignStatus[id] = body["operation_status"]?.stringValue ?? "ENABLE"
                return Self.business(["campaign_id": .string(id)])
            }
            return Self.business(request.path.hasSuffix("/adgroup/create/") ? ["adgroup_id": .string(id)] : ["ad_ids": [.string(id)]])
        default:
            return FakeReply(status: 404)
        }
    }
}

extension TikTokFake {
    /// A `YYYY-MM-DD` query date.
    static func date(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text)
    }
}

/// Shared pieces of the account tests.
public enum AccountFlows {
    public static let cipherKey = Crypto.randomBytes(32)
    public static let cipher = try! TokenCipher(key: cipherKey)

    /// A random 19-digit id, as TikTok's exceed 2^53.
    public static func openId() -> String { "7" + (0..<18).map { _ in String(Int.random(in: 0...9)) }.joined() }

    public static func apps(_ base: String, _ fake: TikTokFake) -> OAuthApps {
        OAuthApps(
            tiktokAuthURL: base + "/v2/auth/authorize/", tiktokOpenAPIBaseURL: base, tiktokClientKey: fake.clientKey,
            tiktokClientSecret: fake.clientSecret,
            businessAuthURL: base + "/business/auth", adsAuthURL: base + "/ads/auth", businessAPIBaseURL: base + "/open_api/v1.3",
            businessAppId: fake.appId, businessAppSecret: fake.appSecret)
    }
}
