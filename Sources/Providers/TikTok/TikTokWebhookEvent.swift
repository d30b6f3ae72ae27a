import Core
import Foundation

/// A TikTok webhook delivery: `{client_key, event, create_time, user_openid, content}`, where
/// `content` is itself serialized JSON. Login Kit events (`authorization.removed`,
/// `post.publish.*`, `video.*`) and the Business `comment.update` share this envelope.
public struct TikTokWebhookEvent: Sendable, Equatable {
    /// What a `comment.update` says happened to a comment.
    public enum CommentAction: String, Sendable, CaseIterable {
        case insert
        case delete
        case setToHidden = "set_to_hidden"
        case setToFriendsOnly = "set_to_friends_only"
        case setToPublic = "set_to_public"

        /// The comment's visibility after the action.
        public var visibility: String {
            switch self {
            case .insert, .setToPublic: "public"
            case .delete: "deleted"
            case .setToHidden: "hidden"
            case .setToFriendsOnly: "friends_only"
            }
        }
    }

    /// A `comment.update`'s content; ids are strings even when sent as numbers (they exceed 2^53).
    public struct CommentUpdate: Sendable, Equatable {
        /// Nil for an action this version does not know (it is stored and otherwise ignored).
        public var action: CommentAction?
        public var actionName: String
        public var commentId: String
        public var videoId: String?
        public var parentCommentId: String?
        public var text: String?
        public var author: String?
    }

    public var event: String
    public var openId: String
    public var createTime: Int?
    public var content: JSONValue

    /// Parses the envelope; throws `AppError.invalidInput` naming what is missing.
    public static func parse(_ body: Data) throws -> TikTokWebhookEvent {
        guard let json = try? JSONValue.parse(body), case .object = json else {
            throw AppError.invalidInput("the event body is not a JSON object")
        }
        guard let event = json["event"]?.stringValue, !event.isEmpty else { throw AppError.invalidInput("the event needs event") }
        guard let openId = json["user_openid"]?.stringValue, !openId.isEmpty else {
            throw AppError.invalidInput("the event needs user_openid")
        }
        let content: JSONValue
        switch json["content"] {
        case .string(let text)?:
            content = text.isEmpty ? [:] : ((try? JSONValue.parse(Data(text.utf8))) ?? .null)
            guard case .object = content else { throw AppError.invalidInput("content must be a serialized JSON object") }
        case .object?:
            content = json["content"]!
        case nil, .null?:
            content = [:]
        default:
            throw AppError.invalidInput("content must be a serialized JSON object")
        }
        return TikTokWebhookEvent(event: event, openId: openId, createTime: json["create_time"]?.intValue, content: content)
    }

    /// The comment change of a `comment.update`, or nil for any other event. Throws
    /// `AppError.invalidInput` for a `comment.update` without an action or a comment id.
    public func commentUpdate() throws -> CommentUpdate? {
        guard event == "comment.update" else { return nil }
        guard let name = content["comment_action"]?.stringValue else {
            throw AppError.invalidInput("comment.update needs content.comment_action")
        }
        guard let commentId = id("comment_id") else { throw AppError.invalidInput("comment.update needs content.comment_id") }
        return CommentUpdate(
            action: CommentAction(rawValue: name), actionName: name, commentId: commentId, videoId: id("video_id"),
            parentCommentId: id("parent_comment_id"),
            text: content["text"]?.stringValue.map { String($0.prefix(4000)) },
            author: (content["unique_identifier"] ?? content["username"])?.stringValue)
    }

    /// An id field as a string: a JSON string as is, a JSON integer by its digits.
    func id(_ field: String) -> String? {
        switch content[field] {
        case .string(let value)?: return value.isEmpty ? nil : value
        case .number(let number)? where number.isInteger: return number.text
        default: return nil
        }
    }
}
