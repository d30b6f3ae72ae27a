import Agents
import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Providers

/// `GET /api/dashboard/media/{id}.mp4` (and `/media/{id}.mp4` for the signed-in dashboard): a
/// produced video of the caller's workspace, by asset id, with single-range requests
/// (`Range: bytes=a-b`, `206 Partial Content`) so a browser's player can seek.
struct MediaController: Sendable {
    let mediaDir: String
    let media: any MediaStore

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("media/{file}") { request, context in
            let principal = try context.requirePrincipal()
            return try await Self.serve(
                try context.parameter("file"), range: request.headers[.range], workspace: principal.workspaceId, mediaDir: mediaDir,
                media: media)
        }
    }

    /// The file's bytes (or the asked range) with the headers a video element needs.
    /// A file this instance does not have is fetched from the media store first.
    static func serve(_ file: String, range: String?, workspace: WorkspaceID, mediaDir: String, media: any MediaStore) async throws
        -> Response
    {
        let id = file.hasSuffix(".mp4") ? String(file.dropLast(4)) : file
        guard MediaAsset.isValid(id) else { throw AppError.notFound("no media \(file)") }
        let path = MediaAsset.path(id, in: mediaDir + "/" + workspace.description)
        guard try await media.ensureLocal(MediaAsset.storedName(id, workspace: workspace.description), at: path) else {
            throw AppError.notFound("no media \(file)")
        }
        guard let data = try await Blocking.run({ FileManager.default.contents(atPath: path) }) else {
            throw AppError.notFound("no media \(file)")
        }
        var headers: HTTPFields = [.contentType: "video/mp4", .cacheControl: "private, max-age=3600", .acceptRanges: "bytes"]
        guard let range else { return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data))) }
        guard let bounds = byteRange(range, size: data.count) else {
            headers[.contentRange] = "bytes */\(data.count)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        }
        headers[.contentRange] = "bytes \(bounds.lowerBound)-\(bounds.upperBound)/\(data.count)"
        return Response(status: .partialContent, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data[bounds])))
    }

    /// `bytes=a-b`, `bytes=a-` or `bytes=-n` within `size`; nil when unsatisfiable or malformed.
    static func byteRange(_ header: String, size: Int) -> ClosedRange<Int>? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst(6)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let (first, last) = (spec[..<dash], spec[spec.index(after: dash)...])
        if first.isEmpty {
            guard let suffix = Int(last), suffix > 0 else { return nil }
            return max(0, size - suffix)...(size - 1)
        }
        guard let start = Int(first), start < size else { return nil }
        let end = last.isEmpty ? size - 1 : min(Int(last) ?? -1, size - 1)
        return end >= start ? start...end : nil
    }
}
