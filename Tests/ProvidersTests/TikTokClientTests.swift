import Core
import Foundation
import Providers
import TestSupport
import Testing

let quickRetry = RetryPolicy(maxRetries: 2, random: { 0 }, sleep: { _ in })

@Suite struct TikTokBusinessTests {
    @Test func theBusinessAPIUsesAccessTokenAndTreatsNonZeroCodesAsErrors() async throws {
        let server = FakeServer { request, _ in
            if request.path.hasSuffix("/business/get/") {
                return .json([
                    "code": 0, "message": "OK", "request_id": "r1",
                    "data": [
                        "audience_ages": [["age": "18-24", "percentage": 0.4], ["age": "25-34", "percentage": 0.6]],
                        "audience_genders": [["gender": "female", "percentage": 0.7]],
                        "audience_countries": [["country": "US", "percentage": 0.5]],
                    ],
                ])
            }
            return .json(["code": 40001, "message": "Access token is invalid", "request_id": "r2", "data": [:]])
        }
        try await server.run { base in
            let client = LiveTikTokBusiness(
                baseURL: base + "/open_api/v1.3", accessToken: "act.1", businessID: "b-1", advertiserID: "adv-1",
                transport: CurlTransport(), retry: quickRetry)
            let audience = try await client.audience(handle: "@glowco")
            #expect(audience.ages == ["18-24": 0.4, "25-34": 0.6])
            #expect(audience.genders == ["female": 0.7])
            let error = await #expect(throws: ProviderError.self) { try await client.recentVideos(handle: "@glowco", limit: 5) }
            #expect(error?.code == "40001" && error?.status == 200 && error?.logId == "r2")
        }
        let first = server.requests[0]
        #expect(first.header("access-token") == "act.1")
        #expect(first.header("authorization") == nil)
        #expect(first.query.contains("business_id=b-1"))
    }

    static let launchSpec = CampaignSpec(name: "Spring", objective: "TRAFFIC", dailyBudgetUsd: 50, adText: "Glow up")

    func client(_ base: String) -> LiveTikTokBusiness {
        LiveTikTokBusiness(
            baseURL: base, accessToken: "act", businessID: nil, advertiserID: "adv-1", transport: CurlTransport(), retry: quickRetry,
            clock: .fixed(Date(timeIntervalSince1970: 1_800_000_000)))
    }

    @Test func preparingCreatesCampaignAndAdGroupSwitchedOffWithEveryRequiredFieldThenEnablingAndAdsFollow() async throws {
        let api = MarketingAPIFake()
        let server = FakeServer { request, _ in api.reply(request) }
        try await server.run { base in
            let prepared = try await client(base).prepare(Self.launchSpec, idempotencyKey: "run-1:ads")
            #expect(
                prepared
                    == PreparedCampaign(campaignId: api.created["/campaign/create/"]![0], adGroupId: api.created["/adgroup/create/"]![0]))
            #expect(api.status[prepared.campaignId] == "DISABLE", "nothing can spend before approval")
            try await client(base).setStatus(campaignId: prepared.campaignId, enabled: true)
            let ads = try await client(base).createAds(prepared, spec: Self.launchSpec, postIds: ["7106594312292453675"])
            #expect(ads == api.created["/ad/create/"])
            #expect(api.status[prepared.campaignId] == "ENABLE")
            try await client(base).updateBudget(campaignId: prepared.campaignId, dailyBudgetUsd: 60)
            #expect(api.budgets[prepared.campaignId] == 60)
        }
        #expect(
            server.requests.map(\.path) == [
                "/campaign/create/", "/adgroup/create/", "/campaign/status/update/", "/ad/create/", "/campaign/update/",
            ])
        let campaign = try #require(server.requests[0].json)
        #expect(
            campaign["advertiser_id"] == "adv-1" && campaign["budget"] == 50 && campaign["objective_type"] == "TRAFFIC"
                && campaign["request_id"] == "run-1:ads" && campaign["operation_status"] == "DISABLE")
        let group = try #require(server.requests[1].json)
        #expect(group["schedule_start_time"] == "2027-01-15 08:00:00" && group["pacing"] == "PACING_MODE_SMOOTH")
        let ad = try #require(server.requests[3].json?["creatives"]?.arrayValue?.first)
        #expect(ad["tiktok_item_id"] == "7106594312292453675" && ad["call_to_action"] == "SHOP_NOW")
    }

    @Test func theFakeRefusesWhatTheSDKMarksRequired() async throws {
        let api = MarketingAPIFake()
        let server = FakeServer { request, _ in api.reply(request) }
        try await server.run { base in
            let transport = CurlTransport()
            let campaign = try await transport.send(
                HTTPRequest(
                    method: "POST", url: base + "/campaign/create/", headers: [HTTPHeader("Access-Token", "act")],
                    body: Data(#"{"advertiser_id":"adv-1","campaign_name":"c","objective_type":"TRAFFIC"}"#.utf8)))
            let campaignId = try #require(campaign.json?["data"]?["campaign_id"]?.stringValue)
            for field in MarketingAPIFake.required["/adgroup/create/"]! {
                var body: [String: JSONValue] = [
                    "advertiser_id": "adv-1", "campaign_id": .string(campaignId), "adgroup_name": "g", "budget_mode": "BUDGET_MODE_DAY",
                    "budget": 50,
                    "schedule_type": "SCHEDULE_FROM_NOW", "schedule_start_time": "2027-01-15 08:00:00", "optimization_goal": "CLICK",
                    "billing_event": "CPC", "pacing": "PACING_MODE_SMOOTH",
                ]
                body[field] = nil
                let answer = try await transport.send(
                    HTTPRequest(
                        method: "POST", url: base + "/adgroup/create/", headers: [HTTPHeader("Access-Token", "act")],
                        body: Data(JSONValue.object(body).jsonString.utf8)))
                #expect(
                    answer.json?["code"] == 40002 && answer.json?["message"]?.stringValue == "\(field): Missing data for required field.")
            }
        }
        #expect(api.created["/adgroup/create/"] == nil)
    }

    @Test(arguments: ["/campaign/create/", "/adgroup/create/", "/ad/create/"])
    func anAnswerWithoutItsIdFailsTheLaunchNamingIt(_ path: String) async throws {
        let api = MarketingAPIFake()
        api.omitIdOf = path
        let server = FakeServer { request, _ in api.reply(request) }
        try await server.run { base in
            let error = await #expect(throws: ProviderError.self) {
                let prepared = try await client(base).prepare(Self.launchSpec, idempotencyKey: "k")
                _ = try await client(base).createAds(prepared, spec: Self.launchSpec, postIds: ["1"])
            }
            #expect(
                error?.code == "malformed_response" && error?.message.hasPrefix("\(path) answered without") == true,
                "\(String(describing: error))")
        }
        #expect(server.requests.last?.path == path, "nothing is called after the malformed answer")
    }

}

@Suite struct TikTokShopTests {
    @Test func requestsAreSignedAsDocumented() async throws {
        let server = FakeServer { request, _ in
            // Recompute the signature independently with the openssl command line.
            var query: [String: String] = [:]
            for pair in request.query.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                query[kv[0]] = kv[1].removingPercentEncoding
            }
            let signed = query.filter { $0.key != "sign" && $0.key != "access_token" }.sorted { $0.key < $1.key }.map { $0.key + $0.value }
                .joined()
            let expected = try? opensslHMAC(
                key: "shh", message: Data(("shh" + request.path + signed).utf8) + request.body + Data("shh".utf8))
            guard query["sign"] == expected else { return .json(["code": 106001, "message": "sign invalid"], status: 200) }
            return .json([
                "code": 0, "message": "Success",
                "data": [
                    "products": [
                        [
                            "id": "p1", "title": "Serum", "status": "ACTIVATE",
                            "skus": [["price": ["sale_price": "24.50"], "inventory": [["quantity": 30], ["quantity": 12]]]],
                        ]
                    ]
                ],
            ])
        }
        try await server.run { base in
            let shop = LiveTikTokShop(
                baseURL: base, appKey: "ak", appSecret: "shh", accessToken: "tts", shopCipher: "cipher", transport: CurlTransport(),
                retry: quickRetry, clock: .fixed(Date(timeIntervalSince1970: 1_800_000_000)))
            let products = try await shop.searchProducts(pageSize: 10)
            #expect(products == [ShopProduct(id: "p1", title: "Serum", status: "ACTIVATE", priceUsd: 24.5, inventory: 42)])
        }
        let sent = try #require(server.requests.first)
        #expect(sent.path == "/product/202309/products/search")
        #expect(sent.header("x-tts-access-token") == "tts")
        #expect(
            sent.query.contains("timestamp=1800000000") && sent.query.contains("shop_cipher=cipher") && sent.query.contains("app_key=ak"))
    }
}

@Suite struct ShopifyInventoryTests {
    @Test func throttlingOnHTTP200IsRetriedAndLevelsAreRead() async throws {
        let server = FakeServer { _, index in
            if index == 0 { return .json(["errors": [["message": "Throttled", "extensions": ["code": "THROTTLED"]]]]) }
            return .json([
                "data": [
                    "productVariants": [
                        "nodes": [
                            [
                                "id": "gid://shopify/ProductVariant/3", "sku": "GLOW-30",
                                "inventoryItem": [
                                    "id": "gid://shopify/InventoryItem/5", "tracked": true,
                                    "inventoryLevels": [
                                        "nodes": [
                                            [
                                                "location": ["id": "gid://shopify/Location/1", "name": "Main"],
                                                "quantities": [["name": "available", "quantity": 7], ["name": "on_hand", "quantity": 9]],
                                            ]
                                        ]
                                    ],
                                ],
                            ]
                        ]
                    ]
                ]
            ])
        }
        try await server.run { base in
            let shopify = LiveShopifyInventory(
                graphQLURL: base + "/admin/api/2025-01/graphql.json", accessToken: "shpat", transport: CurlTransport(), retry: quickRetry)
            let levels = try await shopify.levels(sku: "GLOW-30")
            #expect(levels == [InventoryLevel(locationId: "gid://shopify/Location/1", available: 7, onHand: 9)])
        }
        #expect(server.requests.count == 2)
        #expect(server.requests[0].header("x-shopify-access-token") == "shpat")
        #expect(server.requests[0].json?["variables"] == ["sku": "sku:GLOW-30"], "the variant is found by SKU, then its inventoryItem")
        #expect(server.requests[0].json?["query"]?.stringValue?.contains("inventoryItem") == true)
    }
}

@Suite struct TikTokPublisherTests {
    @Test func uploadsInChunksWithContentRangeThenPollsUntilComplete() async throws {
        let video = Data((0..<2500).map { UInt8($0 % 251) })
        let path = NSTemporaryDirectory() + "publish-\(UUID().uuidString).mp4"
        try video.write(to: URL(fileURLWithPath: path))
        let polls = Counter()
        let baseURL = Locked("")
        let finishing = FakeServer { request, _ in
            switch request.path {
            case "/v2/post/publish/video/init/":
                let uploadURL = baseURL.value + "/upload/p_1"
                return .json([
                    "data": ["publish_id": "p_1", "upload_url": .string(uploadURL)], "error": ["code": "ok", "message": "", "log_id": "l"],
                ])
            case "/upload/p_1":
                return FakeReply(status: 201)
            default:
                let status: JSONValue = polls.next() >= 2 ? "PUBLISH_COMPLETE" : "PROCESSING_UPLOAD"
                return .json(["data": ["status": status], "error": ["code": "ok", "message": "", "log_id": "l"]])
            }
        }
        try await finishing.run { base in
            baseURL.value = base
            let publisher = LiveTikTokPublisher(
                baseURL: base, accessToken: "act.user", privacyLevel: "SELF_ONLY", transport: CurlTransport(), retry: quickRetry,
                chunkSize: 1000, singleChunkLimit: 1000)
            let result = try await publisher.publish(videoPath: path, caption: "Spring glow #skincare", handle: nil)
            #expect(result == PublishResult(publishId: "p_1", status: "PUBLISH_COMPLETE"))
        }
        let requests = finishing.requests
        let initBody = try #require(requests[0].json)
        #expect(initBody["post_info"]?["privacy_level"] == "SELF_ONLY")
        #expect(initBody["source_info"] == ["source": "FILE_UPLOAD", "video_size": 2500, "chunk_size": 1000, "total_chunk_count": 2])
        #expect(requests[0].header("authorization") == "Bearer act.user")
        let uploads = requests.filter { $0.method == "PUT" }
        #expect(uploads.map { $0.header("content-range") } == ["bytes 0-999/2500", "bytes 1000-2499/2500"])
        #expect(uploads.reduce(Data()) { $0 + $1.body } == video)
        #expect(requests.filter { $0.path == "/v2/post/publish/status/fetch/" }.count == 2)
    }

    @Test func theChunkPlanFollowsTikToksRules() {
        #expect(LiveTikTokPublisher.chunks(size: 3 << 20, chunkSize: 10 << 20, singleChunkLimit: 64 << 20) == [0..<(3 << 20)])
        let big = LiveTikTokPublisher.chunks(size: 105 << 20, chunkSize: 10 << 20, singleChunkLimit: 64 << 20)
        #expect(big.count == 10)
        #expect(big.last == (90 << 20)..<(105 << 20))
    }
}

@Suite struct TikTokWebhookVerifierTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let verifier = TikTokWebhookVerifier(clientSecret: "client-secret", clock: .fixed(now))
    static let body = Data(
        #"{"client_key":"ck","event":"comment.update","create_time":1800000000,"user_openid":"u1","content":"{\"comment_action\":\"insert\"}"}"#
            .utf8)

    static func header(t: Int, body: Data = body, key: String = "client-secret") throws -> String {
        "t=\(t),s=" + (try opensslHMAC(key: key, message: Data("\(t).".utf8) + body))
    }

    @Test func aSignatureMadeByOpenSSLVerifies() throws {
        try Self.verifier.verify(header: try Self.header(t: 1_800_000_000 - 10), body: Self.body)
        #expect(Self.verifier.signature(body: Self.body, timestamp: 1_800_000_000) == (try Self.header(t: 1_800_000_000)))
    }

    @Test func forgedStaleMalformedAndMissingSignaturesAreRejected() throws {
        let cases: [(String?, Data, String)] = [
            (try Self.header(t: 1_800_000_000, key: "wrong-secret"), Self.body, "does not match"),
            (try Self.header(t: 1_800_000_000), Self.body + Data(" ".utf8), "does not match"),
            (try Self.header(t: 1_800_000_000 - 301), Self.body, "stale"),
            (try Self.header(t: 1_800_000_000 + 301), Self.body, "stale"),
            ("t=abc,s=00", Self.body, "malformed"),
            ("s=" + String(repeating: "a", count: 64), Self.body, "malformed"),
            ("garbage", Self.body, "malformed"),
            (nil, Self.body, "missing"),
        ]
        for (header, body, reason) in cases {
            let error = #expect(throws: WebhookSignatureError.self) { try Self.verifier.verify(header: header, body: body) }
            #expect(error?.description.contains(reason) == true, "\(header ?? "nil"): \(error?.description ?? "")")
        }
    }
}

@Suite struct TikTokWebhookEventTests {
    @Test func aCommentUpdateReadsItsActionAndKeepsNumericIdsToTheDigit() throws {
        let body =
            #"{"client_key":"ck","event":"comment.update","create_time":1800000000,"user_openid":"biz-1","content":"{\"comment_action\":\"set_to_hidden\",\"comment_id\": 7106594312292453675,\"video_id\":\"7300000000000000001\"}"}"#
        let event = try TikTokWebhookEvent.parse(Data(body.utf8))
        #expect(event.openId == "biz-1" && event.createTime == 1_800_000_000)
        let update = try #require(try event.commentUpdate())
        #expect(update.action == .setToHidden && update.action?.visibility == "hidden")
        #expect(update.commentId == "7106594312292453675" && update.videoId == "7300000000000000001" && update.text == nil)
    }

    @Test func otherEventsHaveNoCommentAndMalformedOnesAreNamed() throws {
        let publish = try TikTokWebhookEvent.parse(
            Data(#"{"event":"post.publish.complete","user_openid":"u","content":"{\"publish_id\":\"p\"}"}"#.utf8))
        #expect(try publish.commentUpdate() == nil && publish.content["publish_id"] == "p")
        let cases: [(String, String)] = [
            (#"[1]"#, "the event body is not a JSON object"),
            (#"{"user_openid":"u"}"#, "the event needs event"),
            (#"{"event":"comment.update"}"#, "the event needs user_openid"),
            (#"{"event":"comment.update","user_openid":"u","content":"[1]"}"#, "content must be a serialized JSON object"),
        ]
        for (body, message) in cases {
            let error = #expect(throws: AppError.self) { try TikTokWebhookEvent.parse(Data(body.utf8)) }
            #expect(error?.message == message, "\(body)")
        }
        let noAction = try TikTokWebhookEvent.parse(
            Data(#"{"event":"comment.update","user_openid":"u","content":"{\"comment_id\":\"c\"}"}"#.utf8))
        #expect(throws: AppError.invalidInput("comment.update needs content.comment_action")) { try noAction.commentUpdate() }
    }
}
