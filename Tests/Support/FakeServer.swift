import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Providers

/// A request as the fake server received it.
public struct ReceivedRequest: Sendable {
    public var method: String
    public var path: String
    public var query: String
    public var headers: [String: String]
    public var body: Data
    public var json: JSONValue? { try? JSONValue.parse(body) }
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// What the fake answers.
public struct FakeReply: Sendable {
    public var status: Int = 200
    public var headers: [String: String] = [:]
    public var body: Data = Data()
    public var delay: Duration = .zero

    public init(status: Int = 200, headers: [String: String] = [:], body: Data = Data(), delay: Duration = .zero) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
    }

    public static func json(_ value: JSONValue, status: Int = 200, headers: [String: String] = [:]) -> FakeReply {
        FakeReply(
            status: status, headers: headers.merging(["content-type": "application/json"]) { a, _ in a }, body: Data(value.jsonString.utf8))
    }
}

/// A real HTTP server on 127.0.0.1 (Hummingbird, a random port) that records every request and
/// answers with a scripted handler, so live clients are tested over real libcurl.
public final class FakeServer: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [ReceivedRequest] = []
    public let handler: @Sendable (ReceivedRequest, Int) async -> FakeReply

    public init(_ handler: @escaping @Sendable (ReceivedRequest, Int) async -> FakeReply) {
        self.handler = handler
    }

    public var requests: [ReceivedRequest] { lock.withLock { received } }

    /// Runs `body` with the server's base URL (`http://127.0.0.1:PORT`).
    public func run(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let responder = CallbackResponder<BasicRequestContext> { [self] request, context in
            let bytes = try await request.body.collect(upTo: 64 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            if let authority = request.head.authority { headers["host"] = authority }
            let recorded = ReceivedRequest(
                method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "", headers: headers,
                body: Data(buffer: bytes))
            let index = lock.withLock {
                received.append(recorded)
                return received.count - 1
            }
            let reply = await handler(recorded, index)
            if reply.delay > .zero { try? await Task.sleep(for: reply.delay) }
            var fields = HTTPFields()
            for (name, value) in reply.headers { fields[HTTPField.Name(name)!] = value }
            return Response(status: .init(code: reply.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
        }
        let app = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)")
        }
    }
}
