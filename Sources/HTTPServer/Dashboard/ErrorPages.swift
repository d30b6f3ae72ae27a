import Core
import Foundation
import HTTPTypes
import Hummingbird

/// Failures a person meets in the browser: a page in plain words with a next step. Machines
/// (the API, webhooks, health, metrics) keep the JSON error shape.
enum ErrorPages {
    /// Paths answered in JSON.
    static let machinePrefixes = ["/api/", "/webhooks/", "/internal/", "/health", "/ready", "/metrics", "/openapi.yaml"]

    static func isForPeople(_ request: Request) -> Bool {
        let path = request.uri.path
        return !machinePrefixes.contains { path == $0 || path.hasPrefix($0) }
    }

    static func response(_ error: AppError, request: Request, requestId: String) -> Response {
        var error = error
        if request.method == .get, error.code == "invalid_input", error.message.hasSuffix("must be a UUID") {
            error = .notFound("there is nothing at \(request.uri.path): the link is incomplete or mistyped")
        }
        let signedIn = SessionCookie.token(request) != nil
        let (title, advice, links) = wording(error, signedIn: signedIn, method: request.method, back: back(request))
        let body = Templates.render(
            "error",
            [
                "message": sentence(error.message), "rawMessage": error.message, "code": error.code, "advice": advice,
                "requestId": requestId, "status": error.status,
                "links": links.map { ["href": $0.href, "label": $0.label, "secondary": $0.secondary] },
            ])
        let (csrf, _) = DashboardController.csrf(request)
        var response = DashboardController.html(
            .init(title: title, body: body), csrf: csrf, signedIn: signedIn, status: HTTPResponse.Status(code: error.status))
        if let wait = error.retryAfter { response.headers[.retryAfter] = String(wait) }
        return response
    }

    typealias Link = (href: String, label: String, secondary: Bool)

    /// Where "Go back" leads: the page the browser came from on this site, else the section's list.
    static func back(_ request: Request) -> String {
        if let referer = request.headers[.referer], let url = URL(string: referer), !url.path.isEmpty, url.path != request.uri.path {
            return url.path + (url.query.map { "?" + $0 } ?? "")
        }
        let section = request.uri.path.split(separator: "/").first.map { "/" + $0 } ?? "/"
        return ["/runs", "/briefs", "/workflows", "/approvals", "/accounts", "/agents", "/keys", "/schedules", "/alerts"].contains(section)
            ? section : "/"
    }

    static func wording(_ error: AppError, signedIn: Bool, method: HTTPRequest.Method, back: String) -> (String, String, [Link]) {
        let home: Link = signedIn ? ("/", "Go to the overview", true) : ("/login", "Log in", false)
        switch error.status {
        case 401: return ("Please log in", "Your session has ended or you are not logged in.", [("/login", "Log in", false)])
        case 403 where error.code == "csrf":
            return ("The form expired", "Reload the page and send the form again.", [(back, "Go back", false), home])
        case 403: return ("Not allowed", "Your key's role cannot do this; ask a workspace admin.", [home])
        case 404:
            return (
                "Not found", "The link may be old, or the item was deleted.",
                signedIn ? [("/", "Go to the overview", false), ("/runs", "See all runs", true)] : [home]
            )
        case 405: return ("Not found", "This address does not take that kind of request.", [home])
        case 409:
            return (
                "That cannot be done now", "The item changed since the page was drawn; look at it again.", [(back, "Go back", false), home]
            )
        case 429: return ("Too many attempts", "Wait a minute, then try again.", [home])
        case 400..<500:
            return (
                "Please check what you sent",
                method == .get ? "Change the address or the filters and try again." : "Go back, correct it and send it again.",
                [(back, "Go back", false), home]
            )
        default:
            return (
                "Something went wrong on our side", "Try again in a moment; if it keeps happening, tell the operator the reference below.",
                [home]
            )
        }
    }

    /// The message with a capital and a full stop.
    static func sentence(_ message: String) -> String {
        guard let first = message.first else { return message }
        let text = first.uppercased() + message.dropFirst()
        return text.hasSuffix(".") || text.hasSuffix("?") || text.hasSuffix("!") ? text : text + "."
    }
}
