import Core
import Foundation

/// Where produced videos are kept so every process finds them: the producer stores each file
/// after transcoding it, and the publisher or the media route on any instance fetches a file it
/// does not have locally before using it.
public protocol MediaStore: Sendable {
    /// Keeps the file at `localPath` as `name` (`<workspace>/<asset>.mp4`).
    func store(_ localPath: String, as name: String, contentType: String) async throws
    /// Writes the stored `name` to `localPath`; false when there is no such object.
    func fetch(_ name: String, to localPath: String) async throws -> Bool
}

extension MediaStore {
    /// Makes sure `localPath` holds `name`: true when it already did or was fetched.
    public func ensureLocal(_ name: String, at localPath: String) async throws -> Bool {
        if FileManager.default.fileExists(atPath: localPath) { return true }
        try FileManager.default.createDirectory(
            atPath: (localPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        return try await fetch(name, to: localPath)
    }
}

/// The default: the media directory itself is the store (one machine, or a shared volume).
public struct LocalMediaStore: MediaStore {
    public init() {}
    public func store(_ localPath: String, as name: String, contentType: String) async throws {}
    public func fetch(_ name: String, to localPath: String) async throws -> Bool { FileManager.default.fileExists(atPath: localPath) }
}

/// Google Cloud Storage through its JSON API: a simple media upload
/// (`POST {base}/upload/storage/v1/b/{bucket}/o?uploadType=media&name=...`) and a media download
/// (`GET {base}/storage/v1/b/{bucket}/o/{name}?alt=media`), with a service account's access token
/// for the `devstorage.read_write` scope.
public struct GCSMediaStore: MediaStore {
    public var baseURL: String
    public var bucket: String
    public var tokens: any GoogleTokenSource
    public var transport: any HTTPTransport
    /// The largest object fetched (videos are at most a few hundred megabytes).
    public var maxBytes: Int

    public static let scope = "https://www.googleapis.com/auth/devstorage.read_write"

    public init(
        baseURL: String = "https://storage.googleapis.com", bucket: String, tokens: any GoogleTokenSource, transport: any HTTPTransport,
        maxBytes: Int = 512 << 20
    ) {
        self.baseURL = baseURL
        self.bucket = bucket
        self.tokens = tokens
        self.transport = transport
        self.maxBytes = maxBytes
    }

    public func store(_ localPath: String, as name: String, contentType: String) async throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: localPath))
        let token = try await tokens.accessToken(scopes: [Self.scope])
        let request = HTTPRequest(
            method: "POST", url: "\(baseURL)/upload/storage/v1/b/\(Self.escape(bucket))/o?uploadType=media&name=\(Self.escape(name))",
            headers: [HTTPHeader("authorization", "Bearer \(token)"), HTTPHeader("content-type", contentType)], body: data,
            timeout: .seconds(600))
        let response = try await perform(request, provider: "gcs", transport: transport, retry: RetryPolicy())
        guard (200..<300).contains(response.status) else { throw Self.error(response, doing: "storing \(name)") }
        guard response.json?["name"]?.stringValue == name else {
            throw ProviderError(
                provider: "gcs", status: response.status, code: "unexpected_answer", message: "the upload of \(name) was not confirmed")
        }
    }

    public func fetch(_ name: String, to localPath: String) async throws -> Bool {
        let token = try await tokens.accessToken(scopes: [Self.scope])
        let request = HTTPRequest(
            url: "\(baseURL)/storage/v1/b/\(Self.escape(bucket))/o/\(Self.escape(name))?alt=media",
            headers: [HTTPHeader("authorization", "Bearer \(token)")], timeout: .seconds(600), maxResponseBytes: maxBytes)
        let response = try await perform(request, provider: "gcs", transport: transport, retry: RetryPolicy())
        if response.status == 404 { return false }
        guard response.status == 200 else { throw Self.error(response, doing: "fetching \(name)") }
        // Written beside the target and moved into place, so a reader never sees half a file.
        let partial = localPath + ".part-\(Crypto.randomUUID().uuidString.prefix(8))"
        try response.body.write(to: URL(fileURLWithPath: partial))
        if FileManager.default.fileExists(atPath: localPath) { try? FileManager.default.removeItem(atPath: localPath) }
        try FileManager.default.moveItem(atPath: partial, toPath: localPath)
        return true
    }

    /// An object name or bucket as one URL path segment or query value (`/` escaped too).
    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func error(_ response: HTTPResponse, doing what: String) -> ProviderError {
        let error = response.json?["error"]
        return ProviderError(
            provider: "gcs", status: response.status, code: error?["status"]?.stringValue ?? "http_\(response.status)",
            message: "\(what): " + (error?["message"]?.stringValue ?? "HTTP \(response.status)"))
    }
}
