import CCurl
import Foundation

/// The HTTP transport on libcurl: the only file that imports `CCurl`.
///
/// One driver thread runs a curl multi handle; `send` hands a transfer to it and suspends, so
/// hundreds of requests can be in flight without a thread each and no libcurl call ever runs on
/// an event loop or the cooperative pool. TLS peer and host verification stay on.
public final class CurlTransport: HTTPTransport, Sendable {
    private let driver = Driver()

    public init() {
        let driver = self.driver
        let thread = Thread { driver.run() }
        thread.name = "curl-driver"
        thread.start()
    }

    deinit { driver.stop() }

    /// What the transport is doing: transfers on the multi handle now and at most so far, and how
    /// many threads have driven them (one, whatever the load).
    public struct Stats: Sendable, Equatable {
        public var inFlight: Int
        public var peakInFlight: Int
        public var driverThreads: Int
        public init(inFlight: Int, peakInFlight: Int, driverThreads: Int) {
            self.inFlight = inFlight
            self.peakInFlight = peakInFlight
            self.driverThreads = driverThreads
        }
    }

    public var stats: Stats { driver.stats }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let transfer = try Transfer(request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.continuation = continuation
                driver.submit(transfer)
            }
        } onCancel: {
            driver.cancel(transfer)
        }
    }
}

/// The multi handle and the thread-safe queues feeding it; owned by the driver thread's loop,
/// which outlives the transport until it has failed whatever was still in flight.
private final class Driver: @unchecked Sendable {
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var incoming: [Transfer] = []
    private var cancellations: [Transfer] = []
    private var stopped = false
    private var counts = CurlTransport.Stats(inFlight: 0, peakInFlight: 0, driverThreads: 0)
    private var threads: Set<pthread_t> = []

    init() {
        _ = Self.globalInit
        multi = curl_multi_init()
    }

    func submit(_ transfer: Transfer) {
        lock.withLock { incoming.append(transfer) }
        curl_multi_wakeup(multi)
    }

    func cancel(_ transfer: Transfer) {
        lock.withLock { cancellations.append(transfer) }
        curl_multi_wakeup(multi)
    }

    var stats: CurlTransport.Stats { lock.withLock { counts } }

    private func record(active: Int) {
        let thread = pthread_self()
        lock.withLock {
            threads.insert(thread)
            counts.inFlight = active
            counts.peakInFlight = max(counts.peakInFlight, active)
            counts.driverThreads = threads.count
        }
    }

    func stop() {
        lock.withLock { stopped = true }
        curl_multi_wakeup(multi)
    }

    func run() {
        var active: [UnsafeMutableRawPointer: Transfer] = [:]
        while true {
            let (adds, cancels, stop) = lock.withLock {
                defer {
                    incoming.removeAll()
                    cancellations.removeAll()
                }
                return (incoming, cancellations, stopped)
            }
            for transfer in adds {
                active[transfer.easy] = transfer
                curl_multi_add_handle(multi, transfer.easy)
            }
            if !adds.isEmpty { record(active: active.count) }
            for transfer in cancels where active[transfer.easy] === transfer {
                active[transfer.easy] = nil
                curl_multi_remove_handle(multi, transfer.easy)
                record(active: active.count)
                transfer.complete(.failure(CancellationError()))
            }
            if stop {
                for transfer in active.values {
                    curl_multi_remove_handle(multi, transfer.easy)
                    transfer.complete(.failure(HTTPTransportError.failed(code: -1, message: "transport shut down")))
                }
                curl_multi_cleanup(multi)
                return
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                    let transfer = active.removeValue(forKey: easy)
                else {
                    continue
                }
                let code = message.pointee.data.result
                curl_multi_remove_handle(multi, easy)
                record(active: active.count)
                transfer.complete(transfer.outcome(code))
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }
}

/// One request's curl easy handle and what has been received so far. Touched only by the driver
/// thread once handed over.
private final class Transfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    var continuation: CheckedContinuation<HTTPResponse, any Error>?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    private let limit: Int
    private var body = Data()
    private var headers: [HTTPHeader] = []
    private var exceeded = false
    private var done = false

    init(_ request: HTTPRequest) throws {
        guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw HTTPTransportError.invalidRequest("not an http(s) URL: \(request.url)")
        }
        guard let easy = curl_easy_init() else { throw HTTPTransportError.failed(code: -1, message: "curl_easy_init failed") }
        self.easy = easy
        limit = request.maxResponseBytes
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        tta_easy_setopt_ptr(easy, CURLOPT_URL, request.url)
        // Only http and https, for the request and any redirect it follows.
        tta_easy_setopt_ptr(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        tta_easy_setopt_ptr(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        tta_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        tta_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1)
        tta_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2)
        tta_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0)
        tta_easy_setopt_long(easy, CURLOPT_MAXREDIRS, 5)
        tta_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout))
        tta_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout))
        tta_easy_setopt_ptr(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        tta_easy_setopt_ptr(easy, CURLOPT_USERAGENT, "tiktok-army/1")

        let method = request.method.uppercased()
        switch method {
        case "GET": tta_easy_setopt_long(easy, CURLOPT_HTTPGET, 1)
        case "HEAD": tta_easy_setopt_long(easy, CURLOPT_NOBODY, 1)
        default:
            if method != "POST" { tta_easy_setopt_ptr(easy, CURLOPT_CUSTOMREQUEST, method) }
            if request.body != nil || method == "POST" {
                let bytes = request.body ?? Data()
                tta_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
                (bytes.isEmpty ? Data([0]) : bytes).withUnsafeBytes { buffer in
                    _ = tta_easy_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, buffer.baseAddress)
                }
            }
        }

        for header in request.headers + [HTTPHeader("Expect", "")] {
            guard !header.name.contains(where: { $0 == ":" || $0.isNewline }), !header.value.contains(where: \.isNewline) else {
                throw HTTPTransportError.invalidRequest("malformed header \(header.name)")
            }
            let line = header.value.isEmpty ? "\(header.name):" : "\(header.name): \(header.value)"
            headerList = curl_slist_append(headerList, line)
        }
        tta_easy_setopt_ptr(easy, CURLOPT_HTTPHEADER, headerList)

        let context = Unmanaged.passUnretained(self).toOpaque()
        tta_easy_setopt_write(easy, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            return transfer.receiveBody(data, size * count)
        }
        tta_easy_setopt_ptr(easy, CURLOPT_WRITEDATA, context)
        tta_easy_setopt_write(easy, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            return transfer.receiveHeader(data, size * count)
        }
        tta_easy_setopt_ptr(easy, CURLOPT_HEADERDATA, context)
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    private func receiveBody(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let data else { return 0 }
        if body.count + count > limit {
            exceeded = true
            return 0
        }
        data.withMemoryRebound(to: UInt8.self, capacity: count) { body.append($0, count: count) }
        return count
    }

    private func receiveHeader(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let data else { return 0 }
        let line = data.withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }.trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
        } else if let colon = line.firstIndex(of: ":") {
            headers.append(HTTPHeader(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return count
    }

    func outcome(_ code: CURLcode) -> Result<HTTPResponse, any Error> {
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_OK:
            var status = 0
            tta_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            return .success(HTTPResponse(status: status, headers: headers, body: body))
        case CURLE_WRITE_ERROR where exceeded:
            return .failure(HTTPTransportError.responseTooLarge(limit: limit))
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(HTTPTransportError.timeout(detail))
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_RECV_ERROR, CURLE_SEND_ERROR,
            CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            return .failure(HTTPTransportError.connectionFailed(detail))
        default:
            return .failure(HTTPTransportError.failed(code: Int(code.rawValue), message: detail))
        }
    }

    func complete(_ result: Result<HTTPResponse, any Error>) {
        guard !done else { return }
        done = true
        continuation?.resume(with: result)
        continuation = nil
    }
}
