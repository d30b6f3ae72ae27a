import Core
import Foundation
import Persistence
import Providers

/// Posts approved videos and approved comment replies, exactly once each.
public struct Publisher: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "publisher", title: "Publisher",
        description:
            "Publishes approved videos with their (possibly edited) captions, and posts approved comment replies. Each post has an idempotency key; each reply's intent is recorded before the call and reconciled against the comment's replies before a retry, so nothing is posted twice.",
        inputs: [
            .handle, .targetType, .notes, InputSpec("approved", .boolean, required: true, "The approval gate's decision"),
            InputSpec("assets", .object, "Content Producer output (as approved)"),
            InputSpec("captions", .object, "Caption Writer output (as approved)"),
            InputSpec("replies", .object, "Comment Triage output (as approved)"),
        ],
        outputs: [
            OutputSpec("published", .array, "Posts published or already published"),
            OutputSpec("replies_posted", .integer, "Comment replies posted or already posted"),
        ],
        humanTouchpoints: ["Nothing is published without approval"],
        workflows: ["campaign_launch", "post_launch_loop"], actsOnTheWorld: true)

    struct Posted: Codable, Sendable {
        var idempotencyKey: String
        var publishId: String
        var asset: String
        var caption: String
        var deduplicated: Bool
    }

    struct Replied: Codable, Sendable {
        var commentId: String
        var replyId: String
        var text: String
        var reconciled: Bool
    }

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        guard input.bool("approved") == true else {
            return ["published": [], "replies_posted": 0, "skipped": "not approved"]
        }
        let posted = try await publishVideos(input, context)
        let replied = try await postReplies(input["replies"]?["replies"]?.arrayValue ?? [], context)
        return [
            "published": try JSONValue.from(posted), "replies_posted": .number(replied.count), "replies": try JSONValue.from(replied),
        ]
    }

    /// The caption a video goes out with: its own (matched by script title), text and hashtags.
    public static func caption(for asset: JSONValue, index: Int, captions: [JSONValue]) -> String {
        let title = asset["script_title"]?.stringValue ?? ""
        let caption: JSONValue? =
            captions.first { $0["script_title"]?.stringValue == title } ?? (index < captions.count ? captions[index] : nil)
        return ([caption?["caption"]?.stringValue ?? title] + (caption?["hashtags"]?.arrayValue?.compactMap(\.stringValue) ?? []))
            .joined(separator: " ")
    }

    func publishVideos(_ input: AgentInput, _ context: AgentContext) async throws -> [Posted] {
        let workspace = context.workspace
        let run = context.workflowRunId
        let scope = run?.description ?? context.agentRunId.description
        let captions = input["captions"]?["captions"]?.arrayValue ?? []
        var posted: [Posted] = []
        for (index, asset) in (input["assets"]?["assets"]?.arrayValue ?? []).enumerated() {
            guard let assetId = asset["asset_id"]?.stringValue, MediaAsset.isValid(assetId) else { continue }
            let path = MediaAsset.path(assetId, in: context.environment.mediaDir + "/" + workspace.description)
            let text = Self.caption(for: asset, index: index, captions: captions)
            let key = "\(scope):" + Crypto.sha256Hex(assetId).prefix(16)
            let claim = try await context.withDatabase { c in
                try CommerceRepository.claimPost(
                    key: key, run: run, caption: text, assetURI: MediaAsset.url(assetId), agentRun: context.agentRunId,
                    workspace: workspace, on: c)
            }
            if case .published(let externalId?) = claim {
                posted.append(Posted(idempotencyKey: key, publishId: externalId, asset: assetId, caption: text, deduplicated: true))
                continue
            }
            guard claim == .claimed else {
                throw AgentError(
                    kind: .failed, agent: Self.spec.name, message: "post \(key) is being published by another worker", isTransient: true)
            }
            do {
                // Produced on this instance or another one: fetched from the media store when it is not here.
                let stored = MediaAsset.storedName(assetId, workspace: workspace.description)
                guard try await context.providers.media.ensureLocal(stored, at: path) else {
                    throw AgentError(
                        kind: .failed, agent: Self.spec.name,
                        message: "the video \(assetId) is not in the media store (MEDIA_BUCKET or MEDIA_DIR)")
                }
                let result = try await context.traceStep(
                    .providerCall, "tiktok.publish", request: ["asset": .string(assetId), "idempotency_key": .string(key)]
                ) {
                    try await context.providers.publisher.publish(videoPath: path, caption: text, handle: input.handle)
                }
                _ = try await context.withDatabase { c in
                    try CommerceRepository.postPublished(key: key, externalId: result.publishId, on: c)
                    try OutboxRepository.append(
                        topic: "audit-event",
                        payload: [
                            "event": "tiktok.posted", "workflow_run_id": run.map { .string($0.description) } ?? .null,
                            "publish_id": .string(result.publishId), "asset_id": .string(assetId),
                        ], workspace: workspace, on: c)
                }
                posted.append(Posted(idempotencyKey: key, publishId: result.publishId, asset: assetId, caption: text, deduplicated: false))
            } catch {
                _ = try? await context.withDatabase { c in try CommerceRepository.postFailed(key: key, on: c) }
                throw error
            }
        }
        return posted
    }

    /// `/business/comment/reply/create/` takes no client key, so the intent is committed first;
    /// an attempt after an earlier one lists the comment's replies and records an own reply with
    /// the same text instead of posting again.
    func postReplies(_ replies: [JSONValue], _ context: AgentContext) async throws -> [Replied] {
        var done: [Replied] = []
        let workspace = context.workspace
        for reply in replies {
            guard let id = reply["comment_id"]?.stringValue, let text = reply["reply"]?.stringValue, !text.isEmpty else { continue }
            let intent = try await context.withDatabase { c in try CommentRepository.beginReply(id: id, text: text, on: c) }
            switch intent {
            case .skip: continue
            case .replied(let replyId): done.append(Replied(commentId: id, replyId: replyId, text: text, reconciled: true))
            case .send(let video, let previous):
                guard let videoId = video ?? reply["video_id"]?.stringValue else {
                    throw AgentError(kind: .failed, agent: Self.spec.name, message: "comment \(id) has no video id to reply under")
                }
                if previous > 0 {
                    let existing = try await context.traceStep(
                        .providerCall, "tiktok.comment.replies", request: ["comment_id": .string(id)]
                    ) {
                        try await context.providers.engagement.replies(videoId: videoId, commentId: id)
                    }
                    let wanted = String(text.prefix(150))
                    if let mine = existing.first(where: { $0.isOwner && $0.text == wanted }) {
                        _ = try await context.withDatabase { c in try CommentRepository.replied(id: id, replyId: mine.id, on: c) }
                        done.append(Replied(commentId: id, replyId: mine.id, text: text, reconciled: true))
                        continue
                    }
                }
                let replyId = try await context.traceStep(
                    .providerCall, "tiktok.comment.reply", request: ["comment_id": .string(id), "video_id": .string(videoId)]
                ) {
                    try await context.providers.engagement.reply(videoId: videoId, commentId: id, text: text)
                }
                _ = try await context.withDatabase { c in
                    try CommentRepository.replied(id: id, replyId: replyId, on: c)
                    try OutboxRepository.append(
                        topic: "audit-event",
                        payload: [
                            "event": "tiktok.replied", "workflow_run_id": context.workflowRunId.map { .string($0.description) } ?? .null,
                            "comment_id": .string(id), "reply_id": .string(replyId),
                        ], workspace: workspace, on: c)
                }
                done.append(Replied(commentId: id, replyId: replyId, text: text, reconciled: false))
            }
        }
        return done
    }
}
