import Core
import Foundation
import TestSupport
import Testing

@testable import Providers

@Suite struct TranscoderTests {
    let transcoder = Transcoder()
    let folder = NSTemporaryDirectory() + "media-" + UUID().uuidString

    @Test func aLandscapeClipBecomesA1080x1920TikTokFile() async throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try await transcoder.testClip(output: folder + "/landscape.mp4", width: 640, height: 360, seconds: 1)
        let source = try await transcoder.probe(folder + "/landscape.mp4")
        #expect(source.width == 640 && source.height == 360)
        for mode in [Transcoder.Mode.fit, .fill] {
            let info = try await transcoder.toTikTok(input: folder + "/landscape.mp4", output: folder + "/\(mode).mp4", mode: mode)
            #expect(info.width == 1080 && info.height == 1920)
            #expect(info.videoCodec == "h264")
            #expect(info.audioCodec == "aac")
            #expect(info.durationSeconds > 0.5 && info.durationSeconds < 1.6)
        }
    }

    @Test func aVideoBeingWrittenIsNeverVisibleUnderItsNameAndNoPartialFileStays() async throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try await transcoder.testClip(output: folder + "/source.mp4", width: 640, height: 360, seconds: 1)
        // An ffmpeg that writes a first chunk of its output, then waits for the gate before doing the real work.
        // A child process writes it: a file this process had open for writing could be inherited by
        // another test's child at that moment and make running it fail with ETXTBSY.
        let gate = folder + "/gate"
        let wrapper = folder + "/slow-ffmpeg"
        let script = """
            #!/bin/sh
            for last in "$@"; do :; done
            printf 'half a video' > "$last"
            while [ ! -f '\(gate)' ]; do sleep 0.01; done
            exec ffmpeg "$@"
            """
        let made = try await Blocking.run {
            try ChildProcess.run(["/bin/sh", "-c", "printf '%s\\n' \"$1\" > \"$2\" && chmod 755 \"$2\"", "sh", script, wrapper])
        }
        #expect(made.status == 0, "\(made.output)")
        let slow = Transcoder(ffmpeg: wrapper)
        let failure = Locked<String?>(nil)
        let writing = Task {
            do { return try await slow.toTikTok(input: folder + "/source.mp4", output: folder + "/shared.mp4") } catch {
                failure.value = "\(error)"
                throw error
            }
        }
        let others = { Set(try FileManager.default.contentsOfDirectory(atPath: folder)).subtracting(["source.mp4", "slow-ffmpeg"]) }
        try await eventually("ffmpeg started writing") {
            if let failed = failure.value { throw MediaError("the transcode failed before writing: \(failed)") }
            return try !others().isEmpty
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/shared.mp4"), "a reader would see half a video")
        _ = FileManager.default.createFile(atPath: gate, contents: nil)
        #expect(try await writing.value.height == 1920)
        #expect(try await transcoder.probe(folder + "/shared.mp4").height == 1920)
        #expect(try others() == ["shared.mp4", "gate"], "no partial file is left behind")
    }

    @Test func aMissingFfmpegIsAClearError() async throws {
        let missing = Transcoder(ffmpeg: "/nonexistent/ffmpeg", ffprobe: "/nonexistent/ffprobe")
        let error = await #expect(throws: MediaError.self) { try await missing.toTikTok(input: "in.mp4", output: folder + "/out.mp4") }
        #expect(error?.description.contains("not found") == true)
    }

    @Test func aBrokenInputFailsWithFfmpegsReason() async throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("not a video".utf8).write(to: URL(fileURLWithPath: folder + "/broken.mp4"))
        let error = await #expect(throws: MediaError.self) {
            try await transcoder.toTikTok(input: folder + "/broken.mp4", output: folder + "/o.mp4")
        }
        #expect(error?.description.contains("transcoding broken.mp4 failed") == true)
    }

    @Test func ffmpegReadsOnlyLocalFiles() async throws {
        for input in ["http://127.0.0.1:1/clip.mp4", "concat:/etc/hostname|/etc/hostname", "pipe:0"] {
            let error = await #expect(throws: MediaError.self) {
                try await transcoder.toTikTok(input: input, output: folder + "/remote.mp4")
            }
            #expect(error?.description.contains("not on whitelist") == true, "\(input): \(error?.description ?? "")")
        }
    }

    @Test func theMockStudioRendersARealClipThePipelineCanTranscode() async throws {
        let studio = MockStudio(transcoder: transcoder)
        let path = try await studio.render(
            RenderRequest(script: "Hook: glow in 3 steps", style: "bright", durationSeconds: 2), into: folder)
        let again = try await studio.render(
            RenderRequest(script: "Hook: glow in 3 steps", style: "bright", durationSeconds: 2), into: folder)
        #expect(path == again)
        let info = try await transcoder.probe(path)
        #expect(info.width == 640 && info.durationSeconds > 1)
        let tiktok = try await transcoder.toTikTok(input: path, output: folder + "/final.mp4")
        #expect(tiktok.height == 1920)
    }
}

/// Counts every request; the mock suite must never use it.
final class CountingTransport: HTTPTransport, @unchecked Sendable {
    private let counter = Counter()
    var count: UInt64 { counter.next() - 1 }
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        _ = counter.next()
        throw HTTPTransportError.connectionFailed("the mock suite must not touch the network")
    }
}

@Suite struct MockProviderTests {
    @Test func theSameInputGivesTheSameOutputAndHandlesDiffer() async throws {
        let mock = MockTikTok()
        let until = Date(timeIntervalSince1970: 1_800_000_000)
        let a1 = try await mock.userInfo(handle: "@glowco")
        let a2 = try await mock.userInfo(handle: "@glowco")
        let b = try await mock.userInfo(handle: "@brewlab")
        #expect(a1 == a2)
        #expect(a1 != b)
        #expect(
            try await mock.videos(handle: "@glowco", days: 30, until: until, limit: 12)
                == (try await mock.videos(handle: "@glowco", days: 30, until: until, limit: 12)))
        #expect(
            try await mock.videos(handle: "@glowco", days: 30, until: until, limit: 12)
                != (try await mock.videos(handle: "@brewlab", days: 30, until: until, limit: 12)))
        #expect(try await mock.audience(handle: "@glowco") != (try await mock.audience(handle: "@brewlab")))
        let shares = try await mock.audience(handle: "@glowco").ages.values.reduce(0, +)
        #expect(abs(shares - 1) < 0.01)
    }

    @Test func theMockSuiteNeverTouchesTheNetwork() async throws {
        let transport = CountingTransport()
        let suite = ProviderSuite.mock(transport: transport)
        let until = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try await suite.research.userInfo(handle: "@glowco")
        _ = try await suite.research.videos(handle: "@glowco", days: 7, until: until, limit: 5)
        _ = try await suite.research.hashtagVideos(["skincare"], days: 7, until: until, limit: 5)
        _ = try await suite.business.audience(handle: "@glowco")
        _ = try await suite.ads.prepare(CampaignSpec(name: "n", objective: "REACH", dailyBudgetUsd: 10, adText: "t"), idempotencyKey: "k")
        _ = try await suite.engagement.accountMetrics(handle: "@glowco", from: until.addingTimeInterval(-86_400 * 3), to: until)
        _ = try await suite.engagement.reply(videoId: "v", commentId: "c", text: "thanks")
        _ = try await suite.shop.searchProducts(pageSize: 5)
        _ = try await suite.shopify.levels(sku: "i")
        _ = try await suite.claude.send(
            ClaudeRequest(model: "claude-sonnet-5-5", messages: [ClaudeMessage(role: .user, text: "hi @glowco")]))
        #expect(transport.count == 0)
    }

    @Test func theMockClaudeAnswersAfterThePromptsFirstFencedJSONExample() {
        let prompt = "Café brief — reply as:\n```json\n{\"score\": 1, \"tone\": \"bold | calm\"}\n```\nnot ```json {\"other\": 2}```"
        #expect(MockClaude.jsonExample(in: prompt) == ["score": 1, "tone": "bold | calm"])
        #expect(MockClaude.jsonExample(in: "```json {\"unclosed\": true}") == nil)
        #expect(MockClaude.jsonExample(in: "no example here") == nil)
    }

    @Test func theMockClaudeWritesAMarkdownReportOfEveryStepWhenThePromptAsksForMarkdownInAnyCase() {
        #expect(MockClaude.mentions("markdown", in: "Answer in MarkDown, please") && !MockClaude.mentions("markdown", in: "mark down"))
        let user = """
            Brief notes: spring launch
            <step key="profile_auditor" agent="profile_auditor">{"engagement_rate": 0.05, "summary": "steady"}</step>
            <step key="trend_scout">{"trends": ["#glow", "#spring", "#skin", "#more"]}</step>
            """
        var random = SeededRandom(seed: [1, 2, 3])
        let report = MockClaude.report(
            ClaudeRequest(
                model: "m", system: [SystemBlock("Write MARKDOWN")], messages: [ClaudeMessage(role: .user, text: "@glowco\n" + user)]),
            random: &random)
        for line in [
            "# Report for @glowco", "> Brief: spring launch", "## Profile Auditor", "- **engagement rate**: 0.05", "- **summary**: steady",
            "## Trend Scout", "- **trends**: #glow; #spring; #skin", "## Next steps",
        ] {
            #expect(report.split(separator: "\n").contains { $0 == line }, "\(line) is missing from:\n\(report)")
        }
    }

    @Test func mockCampaignIdsFollowTheIdempotencyKey() async throws {
        let spec = CampaignSpec(name: "n", objective: "REACH", dailyBudgetUsd: 10, adText: "t")
        let first = try await MockTikTok().prepare(spec, idempotencyKey: "run-1:ads")
        #expect(first == (try await MockTikTok().prepare(spec, idempotencyKey: "run-1:ads")))
        #expect(first != (try await MockTikTok().prepare(spec, idempotencyKey: "run-2:ads")))
    }

    @Test func liveModeWithoutTikTokCredentialsFailsAtStartUpNamingThem() {
        let error = #expect(throws: SettingsError.self) { try Settings(environment: ["TIKTOK_PROVIDER_MODE": "live"]) }
        #expect(error?.variable == "TIKTOK_CLIENT_KEY")
    }

    @Test func settingsChooseLiveClientsAndBaseURLs() throws {
        let settings = try Settings(environment: [
            "TIKTOK_PROVIDER_MODE": "live", "TIKTOK_CLIENT_KEY": "ck", "TIKTOK_CLIENT_SECRET": "cs", "CLAUDE_MODE": "live",
            "ANTHROPIC_API_KEY": "sk",
            "ANTHROPIC_BASE_URL": "http://127.0.0.1:9", "STUDIO_URL": "https://studio.example",
            "CLAUDE_PRICES": #"{"claude-sonnet-5-5": [4, 20]}"#,
        ])
        let suite = try ProviderSuite.make(settings: settings, transport: CountingTransport())
        #expect(suite.claude is AnthropicClient)
        #expect(suite.authorizer is LiveAccountAuthorizer && suite.connect != nil)
        #expect(suite.connectShops != nil, "shops are the connected accounts'")
        #expect(suite.studio is LiveStudio)
        #expect(suite.models.model("claude-sonnet-5-5")?.price == TokenPrice(input: 4, output: 20))
        let mock = try ProviderSuite.make(settings: try Settings(environment: [:]), transport: CountingTransport())
        #expect(mock.claude is MockClaude && mock.research is MockTikTok && mock.studio is MockStudio && mock.connect == nil)
    }
}

@Suite struct LiveStudioTests {
    struct FixedTokens: GoogleTokenSource {
        func idToken(audience: String) async throws -> String { "id-token-for-\(audience)" }
        func accessToken(scopes: [String]) async throws -> String { "unused" }
    }

    @Test func rendersWithAnIDTokenAndDownloadsTheVideo() async throws {
        let video = Data((0..<5000).map { UInt8($0 % 256) })
        let baseURL = Locked("")
        let server = FakeServer { request, _ in
            guard request.header("authorization") == "Bearer id-token-for-\(baseURL.value)" else { return FakeReply(status: 401) }
            if request.path == "/v1/renders" {
                guard request.json?["script"] == "Hook: glow", request.json?["aspect_ratio"] == "9:16" else {
                    return FakeReply(status: 400)
                }
                return .json(["video_url": .string(baseURL.value + "/files/v1.mp4")])
            }
            return FakeReply(status: 200, body: video)
        }
        let folder = NSTemporaryDirectory() + "studio-" + UUID().uuidString
        try await server.run { base in
            baseURL.value = base
            let studio = LiveStudio(baseURL: base, tokens: FixedTokens(), transport: CurlTransport())
            let path = try await studio.render(RenderRequest(script: "Hook: glow", style: "bright", durationSeconds: 10), into: folder)
            #expect(FileManager.default.contents(atPath: path) == video)
        }
        #expect(server.requests.map(\.path) == ["/v1/renders", "/files/v1.mp4"])
    }

    @Test func aVideoURLOffTheStudioHostIsRefusedWithoutFetchingIt() async throws {
        let server = FakeServer { request, _ in
            request.path == "/v1/renders"
                ? .json(["video_url": "http://169.254.169.254/computeMetadata/v1/token"]) : FakeReply(status: 200, body: Data("x".utf8))
        }
        try await server.run { base in
            let studio = LiveStudio(baseURL: base, tokens: FixedTokens(), transport: CurlTransport())
            let error = await #expect(throws: ProviderError.self) {
                try await studio.render(
                    RenderRequest(script: "Hook", style: "s", durationSeconds: 5), into: NSTemporaryDirectory() + "studio-x")
            }
            #expect(error?.code == "foreign_video_url")
        }
        #expect(server.requests.map(\.path) == ["/v1/renders"])
    }
}
