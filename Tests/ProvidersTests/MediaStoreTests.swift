import Core
import Foundation
import Providers
import TestSupport
import Testing

/// The Cloud Storage media store over real libcurl against a local bucket.
@Suite struct MediaStoreTests {
    struct FixedTokens: GoogleTokenSource {
        func idToken(audience: String) async throws -> String { "id-\(audience)" }
        func accessToken(scopes: [String]) async throws -> String {
            #expect(scopes == [GCSMediaStore.scope])
            return "ya29.media"
        }
    }

    @Test func aVideoStoredByOneInstanceIsFetchedByAnother() async throws {
        let bucket = GCSFake()
        let folder = NSTemporaryDirectory() + "media-store-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder + "/a", withIntermediateDirectories: true)
        let video = Data((0..<100_000).map { UInt8($0 % 251) })
        try video.write(to: URL(fileURLWithPath: folder + "/a/tiktok-1.mp4"))
        try await bucket.server.run { base in
            let store = GCSMediaStore(baseURL: base, bucket: bucket.bucket, tokens: FixedTokens(), transport: CurlTransport())
            try await store.store(folder + "/a/tiktok-1.mp4", as: "ws-1/tiktok-1.mp4", contentType: "video/mp4")
            #expect(bucket.names == ["ws-1/tiktok-1.mp4"])
            #expect(try await store.ensureLocal("ws-1/tiktok-1.mp4", at: folder + "/b/tiktok-1.mp4"))
            #expect(FileManager.default.contents(atPath: folder + "/b/tiktok-1.mp4") == video)
            #expect(try await store.fetch("ws-1/missing.mp4", to: folder + "/b/missing.mp4") == false)
            #expect(!FileManager.default.fileExists(atPath: folder + "/b/missing.mp4"))
        }
        let upload = try #require(bucket.server.requests.first)
        #expect(upload.method == "POST" && upload.path == "/upload/storage/v1/b/army-media/o")
        #expect(upload.query == "uploadType=media&name=ws-1%2Ftiktok-1.mp4", "the object name is one query value")
        #expect(upload.header("authorization") == "Bearer ya29.media" && upload.header("content-type") == "video/mp4")
        #expect(upload.body == video)
        let download = bucket.server.requests[1]
        #expect(download.method == "GET" && download.query == "alt=media" && download.header("authorization") == "Bearer ya29.media")
    }

    @Test func aBucketSettingChoosesCloudStorageAndNoneTheFolder() throws {
        let shared = try ProviderSuite.make(
            settings: Settings(environment: ["MEDIA_BUCKET": "army-media", "GCS_BASE_URL": "http://127.0.0.1:9"]),
            transport: CurlTransport())
        let store = try #require(shared.media as? GCSMediaStore)
        #expect(store.bucket == "army-media" && store.baseURL == "http://127.0.0.1:9")
        #expect(try ProviderSuite.make(settings: Settings(environment: [:]), transport: CurlTransport()).media is LocalMediaStore)
    }

    @Test func aRefusedUploadNamesTheBucketsAnswer() async throws {
        let server = FakeServer { _, _ in
            .json(
                [
                    "error": [
                        "code": 403, "message": "army@p.iam.gserviceaccount.com does not have storage.objects.create access",
                        "status": "PERMISSION_DENIED",
                    ]
                ], status: 403)
        }
        let file = NSTemporaryDirectory() + "refused-\(UUID().uuidString.prefix(8)).mp4"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: file))
        try await server.run { base in
            let store = GCSMediaStore(baseURL: base, bucket: "army-media", tokens: FixedTokens(), transport: CurlTransport())
            let refused = await #expect(throws: ProviderError.self) {
                try await store.store(file, as: "ws/x.mp4", contentType: "video/mp4")
            }
            #expect(
                refused?.status == 403 && refused?.code == "PERMISSION_DENIED"
                    && refused?.message.contains("storage.objects.create") == true)
        }
    }
}
