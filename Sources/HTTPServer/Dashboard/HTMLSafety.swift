import Foundation
import Ink

/// Escaping and Markdown for pages: model output and user input never become markup.
enum HTMLSafety {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Markdown to HTML with any raw HTML in the source escaped first, and script URLs removed.
    static func markdown(_ source: String) -> String {
        let escaped = source.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        var html = MarkdownParser().html(from: escaped)
        for scheme in ["javascript:", "data:", "vbscript:"] {
            html = html.replacingOccurrences(of: "href=\"\(scheme)", with: "href=\"#blocked-", options: .caseInsensitive)
            html = html.replacingOccurrences(of: "src=\"\(scheme)", with: "src=\"#blocked-", options: .caseInsensitive)
        }
        return html
    }
}
