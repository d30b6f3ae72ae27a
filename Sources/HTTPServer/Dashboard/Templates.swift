import Mustache

/// The dashboard's Mustache templates, the `.mustache` files under `Resources/templates/`
/// (escaped by default; `{{{...}}}` only for HTML the server built and escaped itself).
enum Templates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for name in BundledFiles.names(in: "templates", extension: "mustache") {
            do { try library.register(BundledFiles.text("templates/\(name).mustache"), named: name) } catch {
                fatalError("the template \(name).mustache does not parse: \(error)")
            }
        }
        return library
    }()

    static func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }
}
