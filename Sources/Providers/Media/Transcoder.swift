import Core
import Foundation

/// What ffprobe reports about a video file.
public struct VideoInfo: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var videoCodec: String
    public var audioCodec: String?
    public var durationSeconds: Double
    public var formatName: String
}

/// A video that could not be produced or read.
public struct MediaError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// ffmpeg and ffprobe, run with argument vectors (never a shell) on a blocking thread, with a
/// time limit.
public struct Transcoder: Sendable {
    /// How a source that is not 9:16 is made 1080x1920.
    public enum Mode: String, Sendable {
        /// Scale down to fit and pad with black.
        case fit
        /// Scale up to cover and crop.
        case fill
    }

    public var ffmpeg: String
    public var ffprobe: String
    public var timeout: Duration

    public init(ffmpeg: String = "ffmpeg", ffprobe: String = "ffprobe", timeout: Duration = .seconds(600)) {
        self.ffmpeg = ffmpeg
        self.ffprobe = ffprobe
        self.timeout = timeout
    }

    /// Transcodes `input` to a TikTok-ready 1080x1920 H.264/AAC MP4 with faststart, then checks
    /// the result with ffprobe.
    @discardableResult
    public func toTikTok(input: String, output: String, mode: Mode = .fit, maxSeconds: Double? = nil) async throws -> VideoInfo {
        let geometry =
            mode == .fit
            ? "scale=1080:1920:force_original_aspect_ratio=decrease,pad=1080:1920:(ow-iw)/2:(oh-ih)/2:color=black"
            : "scale=1080:1920:force_original_aspect_ratio=increase,crop=1080:1920"
        // Local files only: no network, pipe or concat protocol can be smuggled in through the input.
        var arguments = [
            ffmpeg, "-y", "-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file", "-i", input,
            "-vf", geometry + ",setsar=1,fps=30,format=yuv420p",
            "-map", "0:v:0", "-map", "0:a:0?",
            "-c:v", "libx264", "-profile:v", "high", "-level:v", "4.1", "-preset", "veryfast", "-crf", "20",
            "-maxrate", "12M", "-bufsize", "24M", "-g", "60",
            "-c:a", "aac", "-b:a", "128k", "-ar", "44100", "-ac", "2", "-movflags", "+faststart",
        ]
        if let maxSeconds { arguments += ["-t", String(maxSeconds)] }
        return try await Self.replacing(output) { partial in
            try await run(arguments + [partial], what: "transcoding \(URL(fileURLWithPath: input).lastPathComponent)")
            let info = try await probe(partial)
            guard info.width == 1080, info.height == 1920, info.videoCodec == "h264" else {
                throw MediaError("transcoded file is \(info.width)x\(info.height) \(info.videoCodec), expected 1080x1920 h264")
            }
            return info
        }
    }

    /// Writes through a file of its own next to `output`, then renames it into place, so a reader
    /// (or a step writing the same content-named file at the same time) never sees half a video.
    @discardableResult
    static func replacing<T>(_ output: String, _ write: (String) async throws -> T) async throws -> T {
        let url = URL(fileURLWithPath: output)
        let partial =
            url.deletingPathExtension().path + ".partial-" + Crypto.randomUUID().lowercasedString.prefix(8) + "." + url.pathExtension
        do {
            let value = try await write(partial)
            guard rename(partial, output) == 0 else { throw MediaError("could not move the finished file to \(output): errno \(errno)") }
            return value
        } catch {
            unlink(partial)
            throw error
        }
    }

    /// Reads dimensions, codecs and duration with ffprobe.
    public func probe(_ path: String) async throws -> VideoInfo {
        let output = try await run(
            [ffprobe, "-v", "error", "-protocol_whitelist", "file", "-print_format", "json", "-show_streams", "-show_format", path],
            what: "probing \(path)")
        guard let json = try? JSONValue.parse(output), let streams = json["streams"]?.arrayValue else {
            throw MediaError("ffprobe printed no stream information for \(path)")
        }
        guard let video = streams.first(where: { $0["codec_type"] == "video" }) else { throw MediaError("\(path) has no video stream") }
        let audio = streams.first { $0["codec_type"] == "audio" }
        return VideoInfo(
            width: video["width"]?.intValue ?? 0, height: video["height"]?.intValue ?? 0,
            videoCodec: video["codec_name"]?.stringValue ?? "",
            audioCodec: audio?["codec_name"]?.stringValue, durationSeconds: Double(json["format"]?["duration"]?.stringValue ?? "") ?? 0,
            formatName: json["format"]?["format_name"]?.stringValue ?? "")
    }

    /// A synthetic clip (colour bars and a tone) of the given size and length.
    public func testClip(output: String, width: Int, height: Int, seconds: Double, label: String = "") async throws {
        let hue = label.isEmpty ? 0 : Int(Crypto.sha256(Array(label.utf8))[0]) * 360 / 256
        try await Self.replacing(output) { partial in
            try await run(
                [
                    ffmpeg, "-y", "-hide_banner", "-loglevel", "error",
                    "-f", "lavfi", "-i", "testsrc2=size=\(width)x\(height):rate=30:duration=\(seconds)",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=\(seconds)",
                    "-vf", "hue=h=\(hue)", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                    partial,
                ],
                what: "making a test clip")
        }
    }

    @discardableResult
    private func run(_ arguments: [String], what: String) async throws -> String {
        let timeout = self.timeout
        let outcome: ChildProcess.Outcome
        do {
            outcome = try await Blocking.run { try ChildProcess.run(arguments, timeout: timeout) }
        } catch is ChildProcess.LaunchFailure {
            throw MediaError("\(arguments[0]) not found: install the ffmpeg package or set FFMPEG_PATH/FFPROBE_PATH")
        }
        guard !outcome.timedOut else { throw MediaError("\(what) took longer than \(timeout) and was stopped") }
        guard outcome.status == 0 else {
            throw MediaError("\(what) failed: " + outcome.output.trimmingCharacters(in: .whitespacesAndNewlines).suffix(400))
        }
        return outcome.output
    }
}
