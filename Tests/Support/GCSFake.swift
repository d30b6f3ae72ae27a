import Core
import Foundation

/// A Cloud Storage bucket behind the JSON API's media upload and download, written from the API's
/// documented wire format: `POST /upload/storage/v1/b/{bucket}/o?uploadType=media&name={name}`
/// answers the object resource; `GET /storage/v1/b/{bucket}/o/{name}?alt=media` answers the bytes
/// (a `Range` gets 206), or 404 with Google's error body; no bearer token is 401.
public final class GCSFake: @unchecked Sendable {
    public let bucket: String
    private let lock = NSLock()
    private var objects: [String: (data: Data, type: String)] = [:]

    public init(bucket: String = "army-media") { self.bucket = bucket }

    public var names: [String] { lock.withLock { objects.keys.sorted() } }

    /// The server answering as the bucket.
    public lazy var server = FakeServer { [unowned self] request, _ in self.answer(request) }

    func answer(_ request: ReceivedRequest) -> FakeReply {
        guard request.header("authorization")?.hasPrefix("Bearer ") == true else {
            return .json(
                ["error": ["code": 401, "message": "Anonymous caller does not have storage.objects access.", "status": "UNAUTHENTICATED"]],
                status: 401)
        }
        let query = Dictionary(
            request.query.split(separator: "&").map { pair -> (String, String) in
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }, uniquingKeysWith: { first, _ in first })
        if request.method == "POST", request.path == "/upload/storage/v1/b/\(bucket)/o" {
            guard query["uploadType"] == "media", let name = query["name"], !name.isEmpty else {
                return .json(["error": ["code": 400, "message": "Required parameter: name", "status": "INVALID_ARGUMENT"]], status: 400)
            }
            let type = request.header("content-type") ?? "application/octet-stream"
            lock.withLock { objects[name] = (request.body, type) }
            return .json([
                "kind": "storage#object", "bucket": .string(bucket), "name": .string(name), "size": .string(String(request.body.count)),
                "contentType": .string(type),
            ])
        }
        let prefix = "/storage/v1/b/\(bucket)/o/"
        if request.method == "GET", request.path.hasPrefix(prefix), query["alt"] == "media" {
            let name = String(request.path.dropFirst(prefix.count)).removingPercentEncoding ?? ""
            guard let object = lock.withLock({ objects[name] }) else {
                return .json(
                    ["error": ["code": 404, "message": .string("No such object: \(bucket)/\(name)"), "status": "NOT_FOUND"]], status: 404)
            }
            if let range = request.header("range"), range.hasPrefix("bytes="), let dash = range.firstIndex(of: "-"),
                let start = Int(range[range.index(range.startIndex, offsetBy: 6)..<dash])
            {
                let end = Int(range[range.index(after: dash)...]) ?? object.data.count - 1
                return FakeReply(
                    status: 206,
                    headers: ["content-type": object.type, "content-range": "bytes \(start)-\(end)/\(object.data.count)"],
                    body: object.data.subdata(in: start..<(end + 1)))
            }
            return FakeReply(headers: ["content-type": object.type], body: object.data)
        }
        return .json(["error": ["code": 404, "message": "Not Found", "status": "NOT_FOUND"]], status: 404)
    }
}
