import Foundation

/// A produced video: stored as `{MEDIA_DIR}/{workspace}/{id}.mp4`, named in outputs and traces by
/// its id and served to the signed-in workspace at `url`, so no answer carries a server path.
public enum MediaAsset {
    /// Ids are lowercase letters, digits and dashes.
    public static func isValid(_ id: String) -> Bool {
        (1...64).contains(id.count) && id.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    }

    /// The file of `id` in a workspace's media `folder`.
    public static func path(_ id: String, in folder: String) -> String { folder + "/" + id + ".mp4" }

    /// The name of `id` in the media store (`MediaStore`): `{workspace}/{id}.mp4`.
    public static func storedName(_ id: String, workspace: String) -> String { workspace + "/" + id + ".mp4" }

    /// Where the API serves `id`.
    public static func url(_ id: String) -> String { "/api/dashboard/media/" + id + ".mp4" }
}
