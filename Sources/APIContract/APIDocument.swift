import Foundation

/// The JSON API's contract: `openapi.yaml`, from which swift-openapi-generator makes the
/// operations' input and output types and the `APIProtocol` the HTTP server implements, and the
/// document itself, served at `/openapi.yaml`.
public enum APIDocument {
    /// The text of `openapi.yaml`, read once from this target's bundle.
    public static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { fatalError("openapi.yaml is missing from the APIContract bundle; ship the resource bundle next to the binary") }
        return text
    }()
}
