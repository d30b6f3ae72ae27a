import Core

/// A domain enum as the document's enum of the same values.
enum ContractValue {
    /// The document's case with `value`'s raw value; a 500 naming both when the two drifted apart.
    static func of<Domain: RawRepresentable, Document: RawRepresentable>(_ value: Domain) throws -> Document
    where Domain.RawValue == String, Document.RawValue == String {
        guard let converted = Document(rawValue: value.rawValue) else {
            throw AppError.internal("\(Domain.self).\(value.rawValue) is not in openapi.yaml's \(Document.self)")
        }
        return converted
    }
}
