import Core
import Foundation
import Persistence
import Providers

/// The plan: pillars and a calendar.
public struct ContentStrategist: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "content_strategist", title: "Content Strategist",
        description: "Turns trends, audience and performance into content pillars and a two-week calendar.",
        inputs: [
            .handle, .targetType, .notes,
            InputSpec("trends", .object, "Trend Scout output"), InputSpec("audience", .object, "Audience Analyst output"),
            InputSpec("performance", .object, "Performance Analyst output"), InputSpec("comments", .object, "Comment Triage output"),
        ],
        options: [InputSpec("posts_per_week", .integer, default: 4, "Target cadence")],
        outputs: [
            OutputSpec("summary", .string, "The strategy"), OutputSpec("pillars", .array, "Content pillars"),
            OutputSpec("calendar", .array, "Planned posts"),
        ],
        workflows: ["campaign_launch", "post_launch_loop"])

    struct Post: Codable, Sendable {
        var day: String
        var idea: String
        var format: String
    }

    struct Output: Codable, Sendable {
        var summary: String
        var pillars: [String]
        var calendar: [Post]
        var kpis: [String]
    }

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        var evidence: [String] = []
        for key in ["trends", "audience", "performance", "comments"] {
            if let value = input[key] { evidence.append("\(key): \(value.jsonString)") }
        }
        let output = try await context.claudeJSON(
            Output.self, role: "You are a TikTok content strategist.", brand: try await context.brandContext(handle: input.handle),
            task: """
                \(input.briefContext)
                Target cadence: \(input.int("posts_per_week") ?? 4) posts per week.
                \(evidence.isEmpty ? "No upstream research was provided." : evidence.joined(separator: "\n"))
                Plan the next two weeks of content for \(input.handle).
                """,
            example: [
                "summary":
                    "Lead with routine tutorials, ride one trend a week, and close every video on the shop link. | Focus on reveals and duets to reach new viewers.",
                "pillars": ["Routines", "Myth-busting", "Behind the scenes"],
                "calendar": [
                    ["day": "Monday", "idea": "Night routine in five steps", "format": "tutorial | reveal | duet"],
                    ["day": "Thursday", "idea": "Three myths about SPF", "format": "talking head | carousel"],
                ],
                "kpis": ["Engagement rate above 6%", "Two posts over 100k views"],
            ])
        return try JSONValue.from(output)
    }
}

/// Scripts for the planned posts.
public struct ScriptWriter: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "script_writer", title: "Script Writer",
        description: "Writes short-form video scripts — hook, body, call to action — for the planned posts.",
        inputs: [.handle, .targetType, .notes, InputSpec("strategy", .object, required: true, "Content Strategist output")],
        options: [InputSpec("count", .integer, default: 2, "How many scripts")],
        outputs: [OutputSpec("scripts", .array, "Scripts with hook, body and call to action")],
        humanTouchpoints: ["Scripts are reviewed at the creative approval gate"],
        workflows: ["campaign_launch"])

    struct Script: Codable, Sendable {
        var title: String
        var hook: String
        var body: String
        var cta: String
        var durationSeconds: Int
    }

    struct Output: Codable, Sendable { var scripts: [Script] }

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        let count = input.int("count") ?? 2
        var output = try await context.claudeJSON(
            Output.self, role: "You are a TikTok scriptwriter. Hooks land in the first two seconds; scripts fit 15-60 seconds.",
            brand: try await context.brandContext(handle: input.handle),
            task: "\(input.briefContext)\nStrategy: \(input["strategy"]!.jsonString)\nWrite \(count) scripts for \(input.handle).",
            example: [
                "scripts": [
                    [
                        "title": "Night routine in five steps", "hook": "You're doing your night routine backwards.",
                        "body": "Step one: cleanse. Step two: treat. Step three: hydrate. Step four: seal. Step five: sleep.",
                        "cta": "Tap the shop link for the full set. | Follow for part two.", "duration_seconds": 35,
                    ],
                    [
                        "title": "Three SPF myths", "hook": "Stop skipping SPF on cloudy days.",
                        "body": "Myth one... Myth two... Myth three...",
                        "cta": "Save this for summer.", "duration_seconds": 28,
                    ],
                ]
            ])
        output.scripts = Array(output.scripts.prefix(max(count, 1)))
        guard !output.scripts.isEmpty else {
            throw AgentError(kind: .malformedOutput, agent: Self.spec.name, message: "no scripts were written")
        }
        return try JSONValue.from(output)
    }
}

/// Renders and transcodes the scripts (the Studio-consuming reference agent).
public struct ContentProducer: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "content_producer", title: "Content Producer",
        description: "Renders each script with Studio, transcodes it to a 1080x1920 TikTok file and stores the asset reference.",
        inputs: [.handle, .targetType, .notes, InputSpec("scripts", .object, required: true, "Script Writer output")],
        options: [InputSpec("fit", .string, default: "fit", "Pad (fit) or crop (fill) to 9:16", choices: ["fit", "fill"])],
        outputs: [OutputSpec("assets", .array, "Produced videos")],
        humanTouchpoints: ["Creatives are reviewed at the approval gate"],
        workflows: ["campaign_launch"])

    struct Asset: Codable, Sendable {
        var scriptTitle: String
        /// The file's name in the workspace's media folder, without `.mp4`.
        var assetId: String
        /// Where the dashboard and API serve it (signed in).
        var url: String
        var width: Int
        var height: Int
        var durationSeconds: Double
    }

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        let scripts = input["scripts"]?["scripts"]?.arrayValue ?? []
        guard !scripts.isEmpty else {
            throw AgentError(kind: .invalidInput, agent: Self.spec.name, message: "input scripts has no scripts")
        }
        let mode = Transcoder.Mode(rawValue: input.string("fit") ?? "fit") ?? .fit
        let folder = context.environment.mediaDir + "/" + context.workspace.description
        var assets: [Asset] = []
        for script in scripts {
            let title = script["title"]?.stringValue ?? "untitled"
            let text = [script["hook"], script["body"], script["cta"]].compactMap { $0?.stringValue }.joined(separator: "\n")
            let request = RenderRequest(
                script: text, style: "brand:" + input.handle, durationSeconds: script["duration_seconds"]?.intValue ?? 30)
            // Trace rows and outputs name files, never the server's folders.
            let rendered = try await context.traceStep(.providerCall, "studio.render", request: ["title": .string(title)]) {
                URL(fileURLWithPath: try await context.providers.studio.render(request, into: folder)).lastPathComponent
            }
            let assetId = "tiktok-" + Crypto.sha256Hex(text + mode.rawValue).prefix(16)
            let info = try await context.traceStep(
                .skillCall, "ffmpeg.transcode", request: ["input": .string(rendered), "mode": .string(mode.rawValue)]
            ) {
                let info = try await context.providers.transcoder.toTikTok(
                    input: folder + "/" + rendered, output: MediaAsset.path(assetId, in: folder), mode: mode, maxSeconds: 60)
                return ["width": .number(info.width), "height": .number(info.height), "duration": .number(info.durationSeconds)]
                    as JSONValue
            }
            // Kept where every instance finds it (a publisher elsewhere, after a long approval).
            let stored = MediaAsset.storedName(assetId, workspace: context.workspace.description)
            _ = try await context.traceStep(.providerCall, "media.store", request: ["name": .string(stored)]) {
                try await context.providers.media.store(MediaAsset.path(assetId, in: folder), as: stored, contentType: "video/mp4")
                return stored
            }
            assets.append(
                Asset(
                    scriptTitle: title, assetId: assetId, url: MediaAsset.url(assetId), width: info["width"]?.intValue ?? 0,
                    height: info["height"]?.intValue ?? 0, durationSeconds: info["duration"]?.doubleValue ?? 0))
        }
        return try JSONValue.from(["assets": assets])
    }
}

/// Captions and hashtags.
public struct CaptionWriter: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "caption_writer", title: "Caption Writer",
        description: "Writes a caption and hashtags for each script, within TikTok's length limit.",
        inputs: [
            .handle, .targetType, .notes, InputSpec("scripts", .object, required: true, "Script Writer output"),
            InputSpec("assets", .object, "Content Producer output"),
        ],
        outputs: [OutputSpec("captions", .array, "Caption and hashtags per script")],
        humanTouchpoints: ["Captions are reviewed at the approval gate"],
        workflows: ["campaign_launch"])

    struct Caption: Codable, Sendable {
        var scriptTitle: String
        var caption: String
        var hashtags: [String]
    }

    struct Output: Codable, Sendable { var captions: [Caption] }

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        let titles = input["scripts"]?["scripts"]?.arrayValue?.compactMap { $0["title"]?.stringValue } ?? []
        var output = try await context.claudeJSON(
            Output.self,
            role:
                "You write TikTok captions: a line that earns the tap, then three to five hashtags. At most 150 characters before hashtags.",
            brand: try await context.brandContext(handle: input.handle),
            task:
                "\(input.briefContext)\nScripts: \(input["scripts"]!.jsonString)\nWrite one caption per script, in order, for \(input.handle).",
            example: [
                "captions": .array(
                    titles.isEmpty
                        ? [
                            [
                                "script_title": "Night routine in five steps", "caption": "Five steps. Zero guesswork.",
                                "hashtags": ["#skincare", "#nightroutine"],
                            ]
                        ]
                        : titles.map {
                            [
                                "script_title": .string($0), "caption": "Five steps. Zero guesswork. | The routine that finally stuck.",
                                "hashtags": ["#skincare", "#routine", "#fyp"],
                            ]
                        })
            ])
        for index in output.captions.indices { output.captions[index].caption = String(output.captions[index].caption.prefix(2200)) }
        return try JSONValue.from(output)
    }
}

/// Policy and claims review.
public struct ComplianceReviewer: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "compliance_reviewer", title: "Compliance Reviewer",
        description: "Checks scripts and captions against TikTok community guidelines and advertising rules; flags risky claims.",
        inputs: [
            .handle, .targetType, .notes, InputSpec("scripts", .object, required: true, "Script Writer output"),
            InputSpec("captions", .object, required: true, "Caption Writer output"),
        ],
        outputs: [
            OutputSpec("approved", .boolean, "Whether it can go to human approval as is"), OutputSpec("issues", .array, "Flagged problems"),
            OutputSpec("summary", .string, "The verdict"),
        ],
        humanTouchpoints: ["Flags are shown at the approval gate"],
        workflows: ["campaign_launch"])

    struct Issue: Codable, Sendable {
        var severity: String
        var text: String
    }

    struct Output: Codable, Sendable {
        var approved: Bool
        var issues: [Issue]
        var summary: String
    }

    /// Claims no model judgement may wave through.
    static let bannedClaims = ["cure", "guaranteed", "miracle", "clinically proven", "100% safe", "lose weight fast"]

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        let material = (input["scripts"]!.jsonString + " " + input["captions"]!.jsonString).lowercased()
        let hits = Self.bannedClaims.filter { material.contains($0) }
        var output = try await context.claudeJSON(
            Output.self,
            role: "You review TikTok content for community-guideline and advertising compliance (health claims, disclosures, minors, IP).",
            brand: try await context.brandContext(handle: input.handle),
            task:
                "\(input.briefContext)\nScripts: \(input["scripts"]!.jsonString)\nCaptions: \(input["captions"]!.jsonString)\nReview them.",
            example: [
                "approved": true, "issues": [["severity": "low | medium", "text": "Add #ad if the post is sponsored"]],
                "summary": "No blocking issues; add a sponsorship disclosure. | Clean: no claims or disclosures needed.",
            ])
        if !hits.isEmpty {
            output.approved = false
            output.issues.append(Issue(severity: "high", text: "Prohibited claim: " + hits.joined(separator: ", ")))
        }
        return try JSONValue.from(output)
    }
}
