import Foundation

/// The files under `Resources/`, copied into the target's bundle: the OpenAPI document
/// (`openapi.yaml`), the dashboard's Mustache templates (`templates/`) and its stylesheet and
/// scripts (`assets/`). Read once, at first use.
enum BundledFiles {
    static let root: URL = Bundle.module.bundleURL.appendingPathComponent("Resources")

    /// The text of the file at `path` under `Resources/`.
    static func text(_ path: String) -> String {
        let url = root.appendingPathComponent(path)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("the bundled file \(path) is missing from \(root.path); ship the resource bundle next to the binary")
        }
        return text
    }

    /// The names (without extension) of the files in `directory` ending in `.extension`.
    static func names(in directory: String, extension ext: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(directory).path)) ?? []
        return files.filter { $0.hasSuffix(".\(ext)") }.map { String($0.dropLast(ext.count + 1)) }.sorted()
    }

    /// The dashboard's stylesheet, scripts and icon (`assets/`), by file name, with their types.
    static let assets: [String: (text: String, type: String)] = {
        let types = ["css": "text/css", "js": "text/javascript", "svg": "image/svg+xml"]
        var assets: [String: (text: String, type: String)] = [:]
        for (ext, type) in types {
            for name in names(in: "assets", extension: ext) { assets["\(name).\(ext)"] = (text("assets/\(name).\(ext)"), type) }
        }
        return assets
    }()
}
