import Core
import Foundation

/// `TIKTOK_PROVIDER_MODE=mock`: fixtures for every TikTok and Shopify surface. Deterministic —
/// each handle seeds its own data, so two handles differ and one handle always looks the same —
/// and it holds no transport, so it cannot touch the network.
public struct MockTikTok: TikTokResearchAPI, TikTokBusinessAPI, TikTokAdsAPI, TikTokEngagementAPI, TikTokShopAPI, ShopifyInventoryAPI {
    public init() {}

    static let niches: [(topic: String, tags: [String])] = [
        ("skincare", ["skincare", "glowup", "grwm", "skincareroutine", "spf"]),
        ("fitness", ["fitness", "gymtok", "homeworkout", "protein", "mobility"]),
        ("coffee", ["coffee", "latteart", "barista", "coldbrew", "morningroutine"]),
        ("fashion", ["ootd", "fashiontok", "thrifthaul", "capsulewardrobe", "styling"]),
        ("gaming", ["gaming", "setup", "speedrun", "indiegame", "streamer"]),
    ]

    static func random(_ seed: String) -> SeededRandom { SeededRandom(seed: Crypto.sha256(Array(seed.lowercased().utf8))) }

    static func niche(_ handle: String) -> (topic: String, tags: [String]) {
        var random = random("niche:" + handle)
        return random.pick(niches)
    }

    static func bare(_ handle: String) -> String { handle.hasPrefix("@") ? String(handle.dropFirst()) : handle }

    public func userInfo(handle: String) async throws -> TikTokProfile {
        var random = Self.random("profile:" + handle)
        let name = Self.bare(handle)
        let niche = Self.niche(handle)
        let followers = random.int(in: 8_000...2_400_000)
        return TikTokProfile(
            handle: "@" + name, displayName: name.replacingOccurrences(of: "_", with: " ").capitalized,
            bio:
                "\(niche.topic.capitalized) tips, drops and behind the scenes. New videos \(random.pick(["daily", "Mon/Wed/Fri", "every weekend"])).",
            isVerified: followers > 1_000_000, followerCount: followers, followingCount: random.int(in: 40...900),
            likesCount: followers * random.int(in: 6...30), videoCount: random.int(in: 60...900))
    }

    public func videos(handle: String, days: Int, until: Date, limit: Int) async throws -> [TikTokVideo] {
        let niche = Self.niche(handle)
        let profile = try await userInfo(handle: handle)
        var random = Self.random("videos:" + handle)
        let count = min(limit, 12)
        let hooks = ["POV:", "3 mistakes with", "How I", "Day in the life:", "Stop doing this:", "The truth about"]
        return (0..<count).map { index in
            let views = Int(Double(profile.followerCount) * (0.05 + random.unit() * 0.9))
            let tags = [niche.tags[0], random.pick(niche.tags), random.pick(niche.tags)]
            return TikTokVideo(
                id: String(7_300_000_000_000_000_000 + Int(random.next() % 100_000_000_000)),
                description: "\(random.pick(hooks)) \(niche.topic) " + tags.map { "#\($0)" }.joined(separator: " "),
                createTime: Int(until.timeIntervalSince1970) - (index + 1) * (days * 86_400 / max(count, 1)),
                views: views, likes: Int(Double(views) * (0.04 + random.unit() * 0.08)),
                comments: Int(Double(views) * (0.002 + random.unit() * 0.01)),
                shares: Int(Double(views) * (0.001 + random.unit() * 0.02)), hashtags: Array(Set(tags)).sorted())
        }
    }

    public func hashtagVideos(_ hashtags: [String], days: Int, until: Date, limit: Int) async throws -> [TikTokVideo] {
        var random = Self.random("hashtags:" + hashtags.joined(separator: ","))
        return (0..<min(limit, 10)).map { index in
            let tag = hashtags.isEmpty ? "fyp" : random.pick(hashtags)
            let views = random.int(in: 50_000...9_000_000)
            return TikTokVideo(
                id: String(7_310_000_000_000_000_000 + Int(random.next() % 100_000_000_000)),
                description: "#\(tag) \(random.pick(["trend", "challenge", "tutorial", "duet"]))",
                createTime: Int(until.timeIntervalSince1970) - index * 3600 * random.int(in: 1...24), views: views,
                likes: views / random.int(in: 8...20), comments: views / random.int(in: 150...400),
                shares: views / random.int(in: 60...200), hashtags: [tag])
        }
    }

    public func comments(videoId: String, limit: Int) async throws -> [TikTokComment] {
        var random = Self.random("comments:" + videoId)
        let lines = [
            "Where can I buy this?", "This routine changed my skin, thank you!", "Does this work for sensitive skin?",
            "Ordered last week and it still hasn't shipped", "Follow me for free followers!!!", "Can you do a part two?",
            "The music is so good, what song is it?", "Too expensive for what it is",
        ]
        return (0..<min(limit, 4)).map { index in
            TikTokComment(id: "\(videoId)-c\(index + 1)", videoId: videoId, text: random.pick(lines), likes: random.int(in: 0...250))
        }
    }

    public func audience(handle: String) async throws -> AudienceInsights {
        var random = Self.random("audience:" + handle)
        func split(_ keys: [String]) -> [String: Double] {
            let weights = keys.map { _ in 0.2 + random.unit() }
            let total = weights.reduce(0, +)
            return Dictionary(uniqueKeysWithValues: zip(keys, weights.map { (($0 / total) * 1000).rounded() / 1000 }))
        }
        return AudienceInsights(
            ages: split(["18-24", "25-34", "35-44", "45+"]), genders: split(["female", "male", "other"]),
            countries: split(["US", random.pick(["GB", "CA", "AU"]), random.pick(["DE", "FR", "BR", "MX"])]))
    }

    public func recentVideos(handle: String, limit: Int) async throws -> [TikTokVideo] {
        try await videos(handle: handle, days: 30, until: Date(timeIntervalSince1970: 1_800_000_000), limit: limit)
    }

    public func prepare(_ campaign: CampaignSpec, idempotencyKey: String) async throws -> PreparedCampaign {
        let id = Crypto.sha256Hex(idempotencyKey).prefix(12)
        return PreparedCampaign(campaignId: "mock-cmp-\(id)", adGroupId: "mock-adg-\(id)")
    }

    public func createAds(_ campaign: PreparedCampaign, spec: CampaignSpec, postIds: [String]) async throws -> [String] {
        postIds.map { "mock-ad-" + Crypto.sha256Hex(campaign.adGroupId + $0).prefix(12) }
    }

    public func setStatus(campaignId: String, enabled: Bool) async throws {}

    public func updateBudget(campaignId: String, dailyBudgetUsd: Double) async throws {}

    /// Seven days of figures that grow with the handle's seed.
    public func accountMetrics(handle: String?, from: Date, to: Date) async throws -> [AccountDayMetrics] {
        var random = Self.random("metrics:" + (handle ?? "mock"))
        var followers = random.int(in: 5_000...80_000)
        var days: [AccountDayMetrics] = []
        var day = from
        while day <= to {
            let gained = random.int(in: 0...400)
            followers += gained
            days.append(
                AccountDayMetrics(
                    date: AccountDayMetrics.day(day), followers: followers, newFollowers: gained,
                    videoViews: random.int(in: 2_000...90_000),
                    profileViews: random.int(in: 100...4_000), likes: random.int(in: 200...9_000), comments: random.int(in: 10...600),
                    shares: random.int(in: 5...900)))
            day = day.addingTimeInterval(86_400)
        }
        return days
    }

    public func replies(videoId: String, commentId: String) async throws -> [TikTokComment] { [] }

    public func reply(videoId: String, commentId: String, text: String) async throws -> String {
        "mock-reply-" + Crypto.sha256Hex(commentId + text).prefix(12)
    }

    public func searchProducts(pageSize: Int) async throws -> [ShopProduct] {
        var random = Self.random("shop")
        let products = ["Hydrating Serum", "Daily SPF 50", "Cleansing Balm", "Overnight Mask", "Vitamin C Drops", "Lip Oil"]
        return products.prefix(pageSize).enumerated().map { index, title in
            ShopProduct(
                id: "mock-prod-\(index + 1)", sku: "MOCK-\(index + 1)", title: title, status: "ACTIVATE",
                priceUsd: Double(random.int(in: 1200...4900)) / 100,
                inventory: random.int(in: 0...800))
        }
    }

    public func levels(sku: String) async throws -> [InventoryLevel] {
        var random = Self.random("inventory:" + sku)
        return ["gid://shopify/Location/1", "gid://shopify/Location/2"].map { location in
            let onHand = random.int(in: 0...500)
            return InventoryLevel(locationId: location, available: max(0, onHand - random.int(in: 0...40)), onHand: onHand)
        }
    }
}
