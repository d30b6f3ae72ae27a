import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Orchestrator
import Persistence
import Providers

/// `/webhooks/tiktok` and `/webhooks/tiktok-business` (HMAC signatures), `/webhooks/pubsub` and `/internal/steps/run` (Google
/// OIDC tokens). Nothing is stored before the signature or token is verified; a redelivered
/// event is recognised and processed once.
struct WebhooksController: Sendable {
    let dependencies: ServerDependencies
    var settings: ProviderSettings { dependencies.settings.providers }
    var database: Database { dependencies.database }
    static let bodyLimit = 256 << 10

    func addRoutes(to router: Router<AppContext>) {
        router.post("/webhooks/tiktok") { request, context in try await tiktok(request) }
        router.post("/webhooks/tiktok-business") { request, context in try await tiktokBusiness(request) }
        router.post("/webhooks/pubsub") { request, context in try await pubsub(request) }
        router.post("/internal/steps/run") { request, context in try await runStep(request) }
    }

    static func body(_ request: Request) async throws -> Data {
        do { return Data(buffer: try await request.body.collect(upTo: bodyLimit)) } catch {
            throw AppError(code: "payload_too_large", message: "the body is larger than \(bodyLimit) bytes", status: 413)
        }
    }

    /// Login Kit / Content Posting events, signed with the developer app's client secret. They are
    /// stored (once); comments never arrive here.
    func tiktok(_ request: Request) async throws -> Response {
        guard let secret = settings.tiktokClientSecret else { throw AppError.notConfigured("TIKTOK_CLIENT_SECRET is not set") }
        let (event, body) = try await verifiedEvent(request, secret: secret)
        guard let account = try await account(for: event) else { return Self.ignored("no account has this user_openid") }
        guard try await recordDelivery(body, account: account) else { return HTTPJSON.response(["status": "duplicate"]) }
        if event.event.hasPrefix("comment.") {
            return Self.ignored("comment events come from the TikTok API for Business webhook (/webhooks/tiktok-business)")
        }
        if event.event == "authorization.removed" {
            // The user revoked the app on TikTok; its token is already dead.
            let reason = event.content["reason"]?.idText ?? "unknown"
            let marked = try await dependencies.accounts.authorizationRemoved(
                openId: event.openId, reason: reason, workspace: account.workspace)
            return HTTPJSON.response(["status": "processed", "event": .string(event.event), "accounts_marked": .number(JSONNumber(marked))])
        }
        return HTTPJSON.response(["status": "processed", "event": .string(event.event)])
    }

    /// TikTok API for Business events, signed with the Business app's secret. A `comment.update`
    /// with `insert` stores the comment and starts a Post-Launch Loop when none is open for the
    /// account; `delete` and the visibility actions only change the stored comment's visibility.
    func tiktokBusiness(_ request: Request) async throws -> Response {
        guard let secret = settings.tiktokBusinessAppSecret else { throw AppError.notConfigured("TIKTOK_BUSINESS_APP_SECRET is not set") }
        let (event, body) = try await verifiedEvent(request, secret: secret)
        let update = try event.commentUpdate()
        guard let account = try await account(for: event) else { return Self.ignored("no account has this user_openid") }
        guard let update, let action = update.action else {
            guard try await recordDelivery(body, account: account) else { return HTTPJSON.response(["status": "duplicate"]) }
            if let update { return Self.ignored("comment_action \(update.actionName.prefix(40)) is not handled") }
            return Self.ignored("event \(event.event.prefix(60)) is not handled")
        }
        let newComment = try await database.withWorkspace(account.workspace) { c -> Bool? in
            guard try Self.insertDelivery(body, workspace: account.workspace, on: c) else { return nil }
            switch action {
            case .insert:
                guard let text = update.text else { return false }
                return try CommentRepository.insert(
                    id: update.commentId, video: update.videoId, author: update.author, text: text, workspace: account.workspace, on: c)
            default:
                try CommentRepository.setVisibility(
                    id: update.commentId, video: update.videoId, visibility: action.visibility, workspace: account.workspace, on: c)
                return false
            }
        }
        guard let newComment else { return HTTPJSON.response(["status": "duplicate"]) }
        var started: JSONValue = .null
        if newComment,
            let run = try await dependencies.service.startPostLaunchLoopIfIdle(handle: account.handle, workspace: account.workspace)
        {
            started = .string(run.description)
        }
        return HTTPJSON.response([
            "status": "processed", "comment_action": .string(action.rawValue), "comment_id": .string(update.commentId),
            "started_run_id": started,
        ])
    }

    static func ignored(_ reason: String) -> Response { HTTPJSON.response(["status": "ignored", "reason": .string(reason)]) }

    /// The body after its `TikTok-Signature` checked out, parsed.
    func verifiedEvent(_ request: Request, secret: String) async throws -> (TikTokWebhookEvent, Data) {
        let body = try await Self.body(request)
        try TikTokWebhookVerifier(clientSecret: secret, clock: dependencies.clock).verify(
            header: request.headers[HTTPField.Name("tiktok-signature")!], body: body)
        return (try TikTokWebhookEvent.parse(body), body)
    }

    func account(for event: TikTokWebhookEvent) async throws -> (workspace: WorkspaceID, handle: String)? {
        try await database.withUnscopedTransaction { try WebhookRepository.account(openId: event.openId, on: $0) }
    }

    /// Stores the delivery; false when this exact body was delivered before (TikTok delivers at
    /// least once).
    func recordDelivery(_ body: Data, account: (workspace: WorkspaceID, handle: String)) async throws -> Bool {
        try await database.withWorkspace(account.workspace) { try Self.insertDelivery(body, workspace: account.workspace, on: $0) }
    }

    static func insertDelivery(_ body: Data, workspace: WorkspaceID, on c: Connection) throws -> Bool {
        let key = Crypto.sha256Hex(String(decoding: body, as: UTF8.self))
        let payload = (try? JSONValue.parse(body)) ?? .null
        return try WebhookRepository.recordDelivery(source: "tiktok", key: key, payload: payload, workspace: workspace, on: c)
    }

    /// A Google-signed token for `audience` from exactly the service account `email` (with
    /// `email_verified`); a route whose sender is not configured accepts nothing.
    func verifiedToken(_ request: Request, audience: String?, email: String?, audienceSetting: String, emailSetting: String) async throws {
        guard let audience else { throw AppError.notConfigured("\(audienceSetting) is not set") }
        guard let email else { throw AppError.notConfigured("\(emailSetting) is not set") }
        guard let token = AuthMiddleware.bearer(request) else { throw AppError.unauthorized("missing bearer token") }
        _ = try await dependencies.providers.oidc.verify(token, audience: audience, email: email)
    }

    func pubsub(_ request: Request) async throws -> Response {
        try await verifiedToken(
            request, audience: settings.pubsubPushAudience, email: settings.pubsubPushServiceAccount,
            audienceSetting: "PUBSUB_PUSH_AUDIENCE",
            emailSetting: "PUBSUB_PUSH_SERVICE_ACCOUNT")
        let body = try await Self.body(request)
        guard let json = try? JSONValue.parse(body), let message = json["message"],
            let messageId = message["messageId"]?.stringValue ?? message["message_id"]?.stringValue
        else {
            throw AppError.invalidInput("the body needs message.messageId")
        }
        // The tenant comes from the subscription's stored mapping, never from the message.
        guard let subscription = json["subscription"]?.stringValue else { throw AppError.invalidInput("the body needs subscription") }
        guard
            let workspace = try await database.withConnection({ try WorkspaceRepository.workspace(forSubscription: subscription, on: $0) })
        else {
            throw AppError(
                code: "unknown_subscription",
                message: "subscription \(subscription.prefix(200)) is not mapped to a workspace (tiktok-army workspace subscribe)",
                status: 403)
        }
        guard let encoded = message["data"]?.stringValue, let data = Data(base64Encoded: encoded) else {
            throw AppError.invalidInput("message.data must be base64")
        }
        let payload = (try? JSONValue.parse(data)) ?? .string(String(decoding: data, as: UTF8.self))
        let stored = try await database.withWorkspace(workspace) { c in
            guard try WorkspaceRepository.current(on: c) != nil else { throw AppError.invalidInput("unknown workspace \(workspace)") }
            let stored: JSONValue = [
                "message_id": .string(messageId), "attributes": message["attributes"] ?? [:], "data": payload,
                "subscription": json["subscription"] ?? .null,
            ]
            return try WebhookRepository.recordDelivery(source: "pubsub", key: messageId, payload: stored, workspace: workspace, on: c)
        }
        return HTTPJSON.response(["status": stored ? "processed" : "duplicate"])
    }

    func runStep(_ request: Request) async throws -> Response {
        try await verifiedToken(
            request, audience: settings.publicBaseURL, email: settings.cloudTasksServiceAccount, audienceSetting: "PUBLIC_BASE_URL",
            emailSetting: "CLOUD_TASKS_SERVICE_ACCOUNT")
        let body = try await Self.body(request)
        guard let json = try? JSONValue.parse(body), let raw = json["step_id"]?.stringValue, let step = WorkflowStepID(raw) else {
            throw AppError.invalidInput("the body needs step_id")
        }
        try await dependencies.orchestration.engine.runStep(step)
        return HTTPJSON.response(["status": "done"])
    }
}
