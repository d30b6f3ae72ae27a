import Core
import Hummingbird
import Logging
import Persistence

/// The request context: who is calling (once authenticated) and the request id.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the auth middleware on `/api/dashboard` routes.
    public var principal: Principal?
    public var requestId: String = ""
    /// The client's IP address: the peer's, or with `FORWARDED_HOPS` trusted proxies in front, the
    /// one they recorded in `X-Forwarded-For` (`unknown` when there is none, as in router tests).
    public var clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Request bodies are read explicitly with their own limits.
    public var maxUploadSize: Int { 1 << 20 }

    /// The authenticated caller; only reachable behind the auth middleware.
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw AppError.unauthorized("missing API key") }
        return principal
    }
}
