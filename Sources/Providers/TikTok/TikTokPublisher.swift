import Core
import Foundation

/// Posts a video to TikTok.
public protocol VideoPublisher: Sendable {
    /// Uploads the file at `videoPath` with `caption` to the account `handle` (nil: the
    /// workspace's only one); returns when TikTok has finished processing.
    func publish(videoPath: String, caption: String, handle: String?) async throws -> PublishResult
}

/// The Content Posting API: init a `FILE_UPLOAD`, `PUT` the bytes in chunks with `Content-Range`,
/// then poll the status (with backoff) until `PUBLISH_COMPLETE` or `FAILED`.
public struct LiveTikTokPublisher: VideoPublisher {
    public var baseURL: String
    private let accessToken: String?
    public var privacyLevel: String
    public var transport: any HTTPTransport
    public var retry: RetryPolicy
    /// Bytes per chunk; files up to `singleChunkLimit` go in one chunk.
    public var chunkSize: Int
    public var singleChunkLimit: Int
    public var pollAttempts: Int

    public init(
        baseURL: String, accessToken: String?, privacyLevel: String, transport: any HTTPTransport, retry: RetryPolicy = RetryPolicy(),
        chunkSize: Int = 10 << 20, singleChunkLimit: Int = 64 << 20, pollAttempts: Int = 30
    ) {
        self.baseURL = baseURL
        self.accessToken = accessToken
        self.privacyLevel = privacyLevel
        self.transport = transport
        self.retry = retry
        self.chunkSize = chunkSize
        self.singleChunkLimit = singleChunkLimit
        self.pollAttempts = pollAttempts
    }

    /// The chunk plan TikTok expects: byte ranges, the last one absorbing the remainder.
    public static func chunks(size: Int, chunkSize: Int, singleChunkLimit: Int) -> [Range<Int>] {
        guard size > singleChunkLimit else { return [0..<size] }
        let count = max(1, size / chunkSize)
        return (0..<count).map { index in index * chunkSize..<(index == count - 1 ? size : (index + 1) * chunkSize) }
    }

    func api(_ path: String, _ body: JSONValue, token: String) async throws -> JSONValue {
        let request = HTTPRequest.json("POST", baseURL + path, body, headers: [HTTPHeader("authorization", "Bearer \(token)")])
        return try LiveTikTokDisplay.unwrap(try await perform(request, provider: "tiktok_publish", transport: transport, retry: retry))
    }

    public func publish(videoPath: String, caption: String, handle: String?) async throws -> PublishResult {
        guard let token = accessToken else { throw ProviderError.notConnected(.tiktok, nil) }
        guard let video = FileManager.default.contents(atPath: videoPath) else {
            throw ProviderError(provider: "tiktok_publish", code: "missing_file", message: "no video at \(videoPath)")
        }
        let plan = Self.chunks(size: video.count, chunkSize: chunkSize, singleChunkLimit: singleChunkLimit)
        let initialised = try await api(
            "/v2/post/publish/video/init/",
            [
                "post_info": [
                    "title": .string(String(caption.prefix(2200))), "privacy_level": .string(privacyLevel),
                    "disable_duet": false, "disable_comment": false, "disable_stitch": false,
                ],
                "source_info": [
                    "source": "FILE_UPLOAD", "video_size": .number(video.count),
                    "chunk_size": .number(plan[0].count), "total_chunk_count": .number(plan.count),
                ],
            ], token: token)
        guard let publishId = initialised["publish_id"]?.stringValue, let uploadURL = initialised["upload_url"]?.stringValue else {
            throw ProviderError(
                provider: "tiktok_publish", code: "malformed_response", message: "init returned no publish_id or upload_url")
        }
        for range in plan {
            let request = HTTPRequest(
                method: "PUT", url: uploadURL,
                headers: [
                    HTTPHeader("content-type", "video/mp4"),
                    HTTPHeader("content-range", "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(video.count)"),
                ],
                body: video.subdata(in: range), timeout: .seconds(300))
            let response = try await perform(request, provider: "tiktok_publish", transport: transport, retry: retry)
            guard (200..<300).contains(response.status) else {
                throw ProviderError(
                    provider: "tiktok_publish", status: response.status, code: "upload_failed", message: "chunk \(range) was refused")
            }
        }
        for attempt in 0..<pollAttempts {
            let status = try await api("/v2/post/publish/status/fetch/", ["publish_id": .string(publishId)], token: token)
            switch status["status"]?.stringValue {
            case "PUBLISH_COMPLETE", "SEND_TO_USER_INBOX":
                return PublishResult(publishId: publishId, status: status["status"]!.stringValue!)
            case "FAILED":
                throw ProviderError(
                    provider: "tiktok_publish", code: status["fail_reason"]?.stringValue ?? "failed",
                    message: "TikTok could not publish the video")
            default: try await retry.sleep(retry.delay(retry: min(attempt, 4), response: nil))
            }
        }
        throw ProviderError(provider: "tiktok_publish", code: "timeout", message: "still processing after \(pollAttempts) status checks")
    }
}

/// Publishing in mock mode: checks the file exists and answers with a deterministic id.
public struct MockPublisher: VideoPublisher {
    public init() {}
    public func publish(videoPath: String, caption: String, handle: String?) async throws -> PublishResult {
        guard let video = FileManager.default.contents(atPath: videoPath) else {
            throw ProviderError(provider: "tiktok_publish", code: "missing_file", message: "no video at \(videoPath)")
        }
        return PublishResult(
            publishId: "mock-pub-" + Crypto.hex(Crypto.sha256(Array(video) + Array(caption.utf8)).prefix(8)), status: "PUBLISH_COMPLETE")
    }
}
