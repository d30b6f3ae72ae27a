import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HTTPServer

@Suite struct DashboardFormTests {
    @Test(arguments: ["=", "=&=", "&&", "csrf", "=x&y=", "a=%ZZ&%=%", String(repeating: "=&", count: 500)])
    func malformedFormsAreRefusedWithTheErrorShape(_ body: String) async throws {
        let harness = try APIHarness()
        try await harness.withClient { client in
            for path in ["/login", "/briefs", "/workflows/run", "/logout"] {
                let response = try await client.call(.post, path, raw: body, contentType: "application/x-www-form-urlencoded")
                #expect(
                    response.status == 403 && response.error == PageError(code: "csrf", isPage: true),
                    "\(path) with \(body.prefix(20)): \(response.status)")
            }
        }
        await harness.stop()
    }

    @Test func aFormOfAnotherContentTypeIs415() async throws {
        let harness = try APIHarness()
        try await harness.withClient { client in
            let response = try await client.call(.post, "/login", raw: "{}", contentType: "application/json")
            #expect(response.status == 415 && response.error?.code == "unsupported_media_type" && response.error?.isPage == true)
        }
        await harness.stop()
    }
}
