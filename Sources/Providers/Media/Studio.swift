import Core
import Foundation

/// What to render.
public struct RenderRequest: Codable, Sendable, Equatable {
    public var script: String
    public var style: String
    public var durationSeconds: Int
    public init(script: String, style: String, durationSeconds: Int) {
        self.script = script
        self.style = style
        self.durationSeconds = durationSeconds
    }
}

/// The Studio video-generation service.
public protocol StudioAPI: Sendable {
    /// Renders a video and stores it under `directory`; returns the file path.
    func render(_ request: RenderRequest, into directory: String) async throws -> String
}

/// The live Studio client: service-to-service auth with a Google ID token whose audience is the
/// Studio URL; `POST /v1/renders` returns `{video_url}`, which is then downloaded.
public struct LiveStudio: StudioAPI {
    public var baseURL: String
    public var tokens: any GoogleTokenSource
    public var transport: any HTTPTransport

    public init(baseURL: String, tokens: any GoogleTokenSource, transport: any HTTPTransport) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.tokens = tokens
        self.transport = transport
    }

    public func render(_ request: RenderRequest, into directory: String) async throws -> String {
        let token = try await tokens.idToken(audience: baseURL)
        let auth = HTTPHeader("authorization", "Bearer \(token)")
        var post = HTTPRequest.json(
            "POST", baseURL + "/v1/renders", try JSONValue.from(request).merging(["aspect_ratio": "9:16"]), headers: [auth])
        post.timeout = .seconds(900)
        let response = try await perform(post, provider: "studio", transport: transport, retry: RetryPolicy())
        guard (200..<300).contains(response.status), let url = response.json?["video_url"]?.stringValue else {
            throw ProviderError(
                provider: "studio", status: response.status, code: response.json?["error"]?["code"]?.stringValue ?? "render_failed",
                message: response.json?["error"]?["message"]?.stringValue ?? "no video_url in response")
        }
        // The video must come from the Studio itself: a URL elsewhere could point the server at
        // internal addresses (and would receive the Studio's token).
        guard let video = URL(string: url), video.host?.lowercased() == URL(string: baseURL)?.host?.lowercased(),
            video.scheme?.lowercased() == URL(string: baseURL)?.scheme?.lowercased()
        else {
            throw ProviderError(
                provider: "studio", status: response.status, code: "foreign_video_url",
                message: "video_url is not on the Studio host: \(url.prefix(200))")
        }
        let download = try await perform(
            HTTPRequest(url: url, headers: [auth], timeout: .seconds(300), maxResponseBytes: 1 << 30),
            provider: "studio", transport: transport, retry: RetryPolicy())
        guard download.status == 200, !download.body.isEmpty else {
            throw ProviderError(
                provider: "studio", status: download.status, code: "download_failed", message: "could not download the rendered video")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/studio-" + Crypto.sha256Hex(request.script).prefix(16) + ".mp4"
        try download.body.write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }
}

/// Studio in mock mode: a real short landscape clip made by ffmpeg (so transcoding and publishing
/// after it are real), named and tinted by the script so it is deterministic.
public struct MockStudio: StudioAPI {
    public var transcoder: Transcoder

    public init(transcoder: Transcoder) { self.transcoder = transcoder }

    public func render(_ request: RenderRequest, into directory: String) async throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/studio-mock-" + Crypto.sha256Hex(request.script + request.style).prefix(16) + ".mp4"
        if !FileManager.default.fileExists(atPath: path) {
            try await transcoder.testClip(
                output: path, width: 640, height: 360, seconds: Double(min(max(request.durationSeconds, 1), 3)), label: request.script)
        }
        return path
    }
}
