import Core
import Foundation

/// One header line.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An outbound request.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: Data?
    /// Whole-transfer limit.
    public var timeout: Duration
    public var connectTimeout: Duration
    /// Redirects are not followed unless asked.
    public var followRedirects: Bool
    /// A larger response body fails with `responseTooLarge`.
    public var maxResponseBytes: Int

    public init(
        method: String = "GET", url: String, headers: [HTTPHeader] = [], body: Data? = nil, timeout: Duration = .seconds(60),
        connectTimeout: Duration = .seconds(10), followRedirects: Bool = false, maxResponseBytes: Int = 16 << 20
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.followRedirects = followRedirects
        self.maxResponseBytes = maxResponseBytes
    }

    /// A JSON request: body encoded, `content-type` set.
    public static func json(_ method: String, _ url: String, _ body: JSONValue, headers: [HTTPHeader] = []) -> HTTPRequest {
        HTTPRequest(
            method: method, url: url, headers: headers + [HTTPHeader("content-type", "application/json")], body: Data(body.jsonString.utf8))
    }
}

/// A response, whatever its status.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: Data

    public init(status: Int, headers: [HTTPHeader], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The last value of a header, matched case-insensitively.
    public func header(_ name: String) -> String? {
        headers.last { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body parsed as JSON; `nil` when it is not JSON.
    public var json: JSONValue? { try? JSONValue.parse(body) }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A transfer that did not produce a response.
public enum HTTPTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    case timeout(String)
    case connectionFailed(String)
    case responseTooLarge(limit: Int)
    case invalidRequest(String)
    case failed(code: Int, message: String)

    public var description: String {
        switch self {
        case .timeout(let message): "request timed out: \(message)"
        case .connectionFailed(let message): "connection failed: \(message)"
        case .responseTooLarge(let limit): "response body exceeds \(limit) bytes"
        case .invalidRequest(let message): "invalid request: \(message)"
        case .failed(let code, let message): "transfer failed (curl \(code)): \(message)"
        }
    }

    /// Whether retrying can help (timeouts and connection failures).
    public var isTransient: Bool {
        switch self {
        case .timeout, .connectionFailed: true
        default: false
        }
    }
}

/// Sends HTTP requests. The live implementation is `CurlTransport`; tests and mocks supply others.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
