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

    /// Markdown to HTML that cannot carry markup or script: the source is HTML-escaped first
    /// (quotes included, so no attribute value can be closed early), every link and image target
    /// is stripped of whitespace and control characters and kept only for http, https, mailto or a
    /// relative URL (anything else becomes `#`), and the targets in the output are checked again.
    static func markdown(_ source: String) -> String {
        // A quote marker at the start of a line is Markdown, not markup; an underscore inside a word
        // (`@glow_co`) is a character, not emphasis (as CommonMark has it).
        let quotes = replacing(escape(source), pattern: #"(?m)^( {0,3})(&gt;)"#, group: 2) { _ in ">" }
        let escaped = replacing(quotes, pattern: #"(?<=[\p{L}\p{N}])(_)(?=[\p{L}\p{N}])"#) { _ in "&#95;" }
        let targets = replacing(escaped, pattern: #"\]\(([^)\n]*)\)"#) { safeURL($0) }
        let references = replacing(targets, pattern: #"(?m)^( {0,3}\[[^\]\n]+\]:[ \t]*)(\S+)"#, group: 2) { safeURL($0) }
        let html = MarkdownParser().html(from: references)
        return replacing(html, pattern: #"(?:href|src)="([^"]*)""#) { safeURL($0) }
    }

    /// `raw` as a link target: whitespace and control characters removed; a scheme other than
    /// http, https or mailto (also spelled with entities or mixed case) gives `#`.
    static func safeURL(_ raw: String) -> String {
        let cleaned = String(
            String.UnicodeScalarView(
                raw.unicodeScalars.filter {
                    !$0.properties.isWhitespace && $0.properties.generalCategory != .control && $0.properties.generalCategory != .format
                }))
        // What a browser would see after decoding entities, for the scheme check only.
        let decoded = cleaned.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&quot;", with: "\"")
        guard let colon = decoded.firstIndex(of: ":") else { return cleaned }
        let head = decoded[..<colon]
        if head.contains(where: { "/?#".contains($0) }) { return cleaned }
        let scheme = head.lowercased()
        return ["http", "https", "mailto"].contains(scheme) ? cleaned : "#"
    }

    /// `text` with every match of `pattern` (its capture `group`) passed through `transform`.
    static func replacing(_ text: String, pattern: String, group: Int = 1, _ transform: (String) -> String) -> String {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return text }
        let source = text as NSString
        var out = ""
        var last = 0
        for match in regex.matches(in: text, range: NSRange(location: 0, length: source.length)) {
            let range = match.range(at: group)
            guard range.location != NSNotFound else { continue }
            out += source.substring(with: NSRange(location: last, length: range.location - last))
            out += transform(source.substring(with: range))
            last = range.location + range.length
        }
        return out + source.substring(from: last)
    }
}
