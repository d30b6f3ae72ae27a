import APIContract
import Core
import Foundation
import Testing

/// `openapi.yaml` as a contract: every JSON body it describes names its fields, so the generated
/// types and schemathesis have something to hold the server to.
@Suite struct DocumentTests {
    /// Every JSON request and response body with `type: object` and neither `properties` nor
    /// `additionalProperties` nor a `$ref`, by operation and status.
    static func bareObjects() throws -> [String] {
        let file = NSTemporaryDirectory() + "openapi-\(UUID().uuidString).yaml"
        try APIDocument.text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let output = Pipe()
        python.standardOutput = output
        python.arguments = [
            "python3", "-c",
            """
            import sys, yaml
            document = yaml.safe_load(open(sys.argv[1]))
            def bare(schema):
                return isinstance(schema, dict) and schema.get("type") == "object" and not (
                    {"properties", "additionalProperties", "$ref", "oneOf", "anyOf", "allOf"} & set(schema))
            for path, item in document["paths"].items():
                for method, operation in item.items():
                    if not isinstance(operation, dict) or "responses" not in operation: continue
                    bodies = [("request", operation.get("requestBody", {}))]
                    bodies += [(status, answer) for status, answer in operation["responses"].items()]
                    for where, body in bodies:
                        schema = body.get("content", {}).get("application/json", {}).get("schema")
                        if bare(schema): print(operation["operationId"], where)
            """, file,
        ]
        try python.run()
        let listed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        #expect(python.terminationStatus == 0, "python3 with PyYAML reads the document")
        return listed.split(separator: "\n").map(String.init).sorted()
    }

    @Test func everyJSONBodyNamesItsFields() async throws {
        // Python on a thread of its own, not one of the cooperative threads every suite shares.
        #expect(try await Blocking.run { try Self.bareObjects() } == [], "JSON bodies typed only as object")
    }

    @Test func theDocumentIsBundled() {
        #expect(APIDocument.text.hasPrefix("openapi: 3.1"))
    }
}
