import Core
import Foundation
import Logging
import Persistence
import Providers
import TestSupport
import Testing

@testable import Agents

/// Videos outlive the instance that made them: with a Cloud Storage bucket configured, a
/// publisher on another instance (an empty media directory) finds what the producer stored.
@Suite struct MediaSharingTests {
    struct FixedTokens: GoogleTokenSource {
        func idToken(audience: String) async throws -> String { "id" }
        func accessToken(scopes: [String]) async throws -> String { "ya29.media" }
    }

    func instance(_ folder: String, media: any MediaStore) -> AgentRunner {
        var providers = ProviderSuite.mock(transport: CurlTransport())
        providers.media = media
        return AgentRunner(
            environment: AgentEnvironment(
                database: TestDatabase.database, providers: providers, mediaDir: folder, logger: Logger(label: "media-test")))
    }

    @Test func aPublisherOnAnotherInstanceFetchesTheVideoTheProducerStored() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let bucket = GCSFake()
        let root = NSTemporaryDirectory() + "media-sharing-\(UUID().uuidString.prefix(8))"
        try await bucket.server.run { base in
            let store = GCSMediaStore(baseURL: base, bucket: bucket.bucket, tokens: FixedTokens(), transport: CurlTransport())
            let (producer, publisher) = (instance(root + "/a", media: store), instance(root + "/b", media: store))
            let scripts: JSONValue = [
                "scripts": [
                    ["title": "Night routine", "hook": "Stop", "body": "Cleanse, treat, seal.", "cta": "Shop", "duration_seconds": 3]
                ]
            ]
            let made = try await producer.run("content_producer", input: ["handle": "@glowco", "scripts": scripts], workspace: workspace)
            let asset = try #require(made.output["assets"]?.arrayValue?.first?["asset_id"]?.stringValue)
            #expect(bucket.names == ["\(workspace)/\(asset).mp4"])
            let local = MediaAsset.path(asset, in: root + "/b/\(workspace)")
            #expect(!FileManager.default.fileExists(atPath: local))
            let posted = try await publisher.run(
                "publisher",
                input: [
                    "handle": "@glowco", "approved": true, "assets": made.output,
                    "captions": ["captions": [["script_title": "Night routine", "caption": "Routine", "hashtags": ["#skincare"]]]],
                ], workspace: workspace)
            #expect(posted.output["published"]?.arrayValue?.count == 1, "\(posted.output)")
            #expect(
                FileManager.default.contents(atPath: local)
                    == FileManager.default.contents(atPath: MediaAsset.path(asset, in: root + "/a/\(workspace)")))
        }
    }
}
