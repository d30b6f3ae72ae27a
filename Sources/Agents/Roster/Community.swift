import Core
import Foundation
import Persistence
import Providers

/// Classifies comments and drafts replies (the LLM-pure reference agent).
public struct CommentTriage: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "comment_triage", title: "Comment Triage",
        description: "Classifies new comments (question, praise, complaint, spam) and drafts on-brand replies for approval.",
        inputs: [
            .handle, .targetType, .notes,
            InputSpec("comments", .array, "Comments to triage; defaults to new stored comments, else recent public ones"),
        ],
        outputs: [
            OutputSpec("summary", .string, "What people are saying"),
            OutputSpec("replies", .array, "Classification and draft reply per comment"),
        ],
        humanTouchpoints: ["Replies are approved before they are posted"],
        workflows: ["post_launch_loop"], tier: .fast, actsOnTheWorld: true)

    struct Reply: Codable, Sendable {
        var commentId: String
        var classification: String
        var reply: String
        /// The comment answered and its video, for the reviewer and the publisher.
        var comment: String?
        var videoId: String?
    }

    struct Output: Codable, Sendable {
        var summary: String
        var replies: [Reply]
    }

    static let classes: Set<String> = ["question", "praise", "complaint", "spam"]

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        let handle = input.handle
        let workspace = context.workspace
        var comments: [(id: String, videoId: String?, text: String)] =
            input["comments"]?.arrayValue?.compactMap { item in
                guard let text = item["text"]?.stringValue else { return nil }
                return (item["id"]?.stringValue ?? Crypto.sha256Hex(text).prefix(12).description, item["video_id"]?.stringValue, text)
            } ?? []
        if comments.isEmpty {
            comments = try await context.withDatabase { c in
                try CommentRepository.newComments(on: c)
            }
        }
        if comments.isEmpty {
            let now = context.environment.clock.now()
            let videos = try await context.traceStep(.providerCall, "tiktok.research.videos", request: ["handle": .string(handle)]) {
                try await context.providers.research.videos(handle: handle, days: 14, until: now, limit: 3)
            }
            for video in videos {
                let fetched = try await context.traceStep(
                    .providerCall, "tiktok.research.comments", request: ["video_id": .string(video.id)]
                ) {
                    try await context.providers.research.comments(videoId: video.id, limit: 5)
                }
                comments += fetched.map { ($0.id, $0.videoId, $0.text) }
            }
        }
        guard !comments.isEmpty else { return ["summary": "No new comments.", "replies": []] }
        let listed = comments.map { ["id": JSONValue.string($0.id), "text": .string($0.text)] as JSONValue }
        var output = try await context.claudeJSON(
            Output.self,
            role:
                "You manage a TikTok brand's comments. Classify each as question, praise, complaint or spam, and draft a short, warm, on-brand reply (empty for spam).",
            brand: try await context.brandContext(handle: input.handle),
            task: "\(input.briefContext)\nComments: \(JSONValue.array(listed).jsonString)\nTriage every comment for \(handle).",
            example: [
                "summary":
                    "Mostly questions about where to buy, a few shipping complaints. | Overwhelmingly positive with some price pushback.",
                "replies": .array(
                    comments.map { comment in
                        [
                            "comment_id": .string(comment.id), "classification": "question | praise | complaint | spam",
                            "reply":
                                "Thank you! The link is in our bio. | So glad it helped! | Sorry about that, please DM us your order number.",
                        ]
                    }),
            ])
        let known = Dictionary(comments.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        output.replies = output.replies.compactMap { reply in
            guard let original = known[reply.commentId] else { return nil }
            var reply = reply
            reply.comment = original.text
            reply.videoId = original.videoId
            if !Self.classes.contains(reply.classification) { reply.classification = "question" }
            if reply.classification == "spam" { reply.reply = "" }
            return reply
        }
        let triaged = output.replies

        _ = try await context.traceStep(.dbWrite, "tiktok_comments.triage", request: ["count": .number(triaged.count)]) {
            try await context.withDatabase { c in
                for reply in triaged {
                    try CommentRepository.triage(
                        id: reply.commentId, video: reply.videoId, text: reply.comment ?? "", classification: reply.classification,
                        replyDraft: reply.reply,
                        workspace: workspace, on: c)
                }
                return triaged.count
            }
        }
        return try JSONValue.from(output)
    }
}
