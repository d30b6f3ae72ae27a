import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import Persistence
import Providers
import Testing

@testable import HTTPServer

/// A bare HTTP/1.1 client over a socket: reads an SSE stream event by event, and can hang up.
struct RawSSEClient {
    let port: Int

    /// Reads events until `stopAfter` (or the end of the stream); returns their ids and names.
    func read(path: String, key: String, lastEventID: Int?, stopAfter: Int? = nil) throws -> [(id: Int, event: String)] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw AppError.internal("cannot connect") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(key)\r\nAccept: text/event-stream\r\n"
        if let lastEventID { request += "Last-Event-ID: \(lastEventID)\r\n" }
        request += "\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var text = ""
        var events: [(Int, String)] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            text += String(decoding: buffer[0..<count], as: UTF8.self)
            while let range = text.range(of: "\n\n") {
                let block = String(text[..<range.lowerBound])
                text = String(text[range.upperBound...])
                // Scalar-wise split: chunk framing puts "\r\n" (one Character) next to event lines.
                let lines = block.components(separatedBy: .newlines)
                if let id = lines.first(where: { $0.hasPrefix("id: ") }).flatMap({ Int($0.dropFirst(4)) }),
                    let name = lines.first(where: { $0.hasPrefix("event: ") }).map({ String($0.dropFirst(7)) })
                {
                    events.append((id, name))
                    if let stopAfter, events.count >= stopAfter { return events }
                    if name == "workflow_run.completed" { return events }
                }
            }
        }
        return events
    }
}

@Suite struct StreamTests {
    @Test func aClientThatReconnectsWithLastEventIDGetsEveryEventExactlyOnceInOrder() async throws {
        let harness = try APIHarness(providers: { $0.claude = MockClaude(latency: .milliseconds(150)) })
        let (workspace, key) = try await APIHarness.workspace()
        let app = Application(router: harness.router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let brief = try await client.call(.post, "/api/dashboard/briefs", key: key, json: ["handle": "@streamer"])
            let run = try await client.call(
                .post, "/api/dashboard/workflows/run", key: key, json: ["brief_id": brief.json["id"]!, "workflow_slug": "profile_audit"])
            let runId = try #require(run.json["workflow_run_id"]?.stringValue)
            let sse = RawSSEClient(port: client.port!)
            let path = "/api/dashboard/workflows/runs/\(runId)/stream"
            let firstPart = try await Blocking.run { try sse.read(path: path, key: key, lastEventID: nil, stopAfter: 4) }
            #expect(firstPart.count == 4)
            let rest = try await Blocking.run { try sse.read(path: path, key: key, lastEventID: firstPart.last!.id) }
            let all = firstPart + rest
            let stored = try await APIHarness.store.database.withWorkspace(workspace) {
                try RunEventRepository.list(run: WorkflowRunID(runId)!, after: 0, on: $0)
            }
            #expect(all.map(\.id) == Array(1...all.count), "every event once, in order")
            #expect(all.map(\.id) == stored.map(\.seq) && all.map(\.event) == stored.map(\.event.rawValue))
            #expect(all.last?.event == "workflow_run.completed")
            let late = try await Blocking.run { try sse.read(path: path, key: key, lastEventID: nil) }
            #expect(late.map(\.id) == stored.map(\.seq), "a late subscriber gets the whole history")
        }
        await harness.stop()
    }
}
