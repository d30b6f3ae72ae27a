import Agents
import Core
import Foundation
import Hummingbird
import NIOCore

/// `GET /api/dashboard/media/{id}.mp4`: a produced video of the caller's workspace, by asset id.
struct MediaController: Sendable {
    let mediaDir: String

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("media/{file}") { _, context in
            let principal = try context.requirePrincipal()
            let file = try context.parameter("file")
            let id = file.hasSuffix(".mp4") ? String(file.dropLast(4)) : file
            guard MediaAsset.isValid(id) else { throw AppError.notFound("no media \(file)") }
            let path = MediaAsset.path(id, in: mediaDir + "/" + principal.workspaceId.description)
            guard let data = try await Blocking.run({ FileManager.default.contents(atPath: path) }) else {
                throw AppError.notFound("no media \(file)")
            }
            return Response(
                status: .ok, headers: [.contentType: "video/mp4", .cacheControl: "private, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}
