import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Persistence
import Testing

@testable import HTTPServer

/// The findings of the security review, each as the attack that used to work.
@Suite(.serialized) struct SecurityTests {
    @Test func aNULCharacterIsRefusedInJSONAndFormsAndNothingIsStored() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            for (body, field) in [
                (#"{"handle": "@nul", "notes": "a\u0000b"}"#, "notes"),
                (#"{"handle": "@nul", "inputs": {"hashtags": ["ok", "x\u0000"]}}"#, "inputs.hashtags[1]"),
            ] {
                let refused = try await client.call(.post, "/api/dashboard/briefs", key: key, raw: body)
                #expect(refused.status == 400 && refused.json["error"]?["code"] == "invalid_input")
                #expect(
                    refused.json["error"]?["message"]?.stringValue?.hasPrefix("\(field) contains a NUL character") == true,
                    "\(refused.text)")
            }
            let form = try await client.call(
                .post, "/briefs", raw: "csrf=t&handle=%40nul&notes=a%00b", contentType: "application/x-www-form-urlencoded",
                headers: [.cookie: "tta_csrf=t"])
            #expect(
                form.status == 400 && form.error?.isPage == true && form.error?.message.contains("notes contains a NUL character") == true,
                "\(form.text)")
        }
        let stored = try await harness.store.database.withWorkspace(workspace) {
            try BriefRepository.list(limit: 10, cursor: nil, on: $0).items
        }
        #expect(stored.isEmpty)
        await harness.stop()
    }

    /// Logs in through the form as a browser does; returns the cookie header and the session's CSRF token.
    static func login(_ client: any TestClientProtocol, key: String) async throws -> (cookie: String, csrf: String, setCookie: String) {
        let page = try await client.call(.get, "/login")
        let csrf = try #require(page.text.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/).map { String($0.output.1) })
        let response = try await client.call(
            .post, "/login", raw: "csrf=\(csrf)&key=\(key)", contentType: "application/x-www-form-urlencoded",
            headers: [.cookie: "tta_csrf=\(csrf)"])
        #expect(response.status == 303)
        let setCookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix(SessionCookie.name + "=") })
        let token = String(setCookie.dropFirst(SessionCookie.name.count + 1).prefix { $0 != ";" })
        return ("\(SessionCookie.name)=\(token)", CSRF.token(forSession: token), setCookie)
    }

    @Test func theSessionCookieIsARandomServerSideSessionThatDiesAtLogout() async throws {
        let harness = try APIHarness()
        let (_, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let session = try await Self.login(client, key: key)
            #expect(
                !session.setCookie.contains(key) && !session.setCookie.contains(String(key.dropFirst(4).prefix(12))),
                "the cookie is not the key")
            for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
                #expect(session.setCookie.contains(attribute), "\(attribute)")
            }
            #expect(SessionCookie.name.hasPrefix("__Host-"))
            #expect(try await client.call(.get, "/api/dashboard/briefs", headers: [.cookie: session.cookie]).status == 200)
            #expect(
                try await client.call(.get, "/api/dashboard/briefs", headers: [.cookie: "\(SessionCookie.name)=\(key)"]).status == 401,
                "the key is no cookie")
            let logout = try await client.call(
                .post, "/logout", raw: "csrf=\(session.csrf)", contentType: "application/x-www-form-urlencoded",
                headers: [.cookie: session.cookie])
            #expect(logout.status == 303)
            #expect(
                try await client.call(.get, "/api/dashboard/briefs", headers: [.cookie: session.cookie]).status == 401, "dead after logout")
            #expect(try await client.call(.get, "/", headers: [.cookie: session.cookie]).headers[.location] == "/login")
        }
        await harness.stop()
    }

    @Test func aCrossSiteCookieOnlyWriteIsRefusedOnEveryUnsafeAPIRoute() async throws {
        let harness = try APIHarness()
        let (_, key) = try await APIHarness.workspace()
        let unsafe = harness.router.routes.filter {
            $0.method != .get && $0.method != .head && $0.path.description.contains("api/dashboard")
        }
        .map { ($0.method, $0.path.description) }
        #expect(unsafe.count >= 8)
        try await harness.withClient { client in
            let session = try await Self.login(client, key: key)
            for (method, template) in unsafe {
                let path = ("/" + template).replacingOccurrences(of: "//", with: "/").replacingOccurrences(
                    of: "{id}", with: UUID().uuidString
                )
                .replacingOccurrences(of: "{name}", with: "trend_scout").replacingOccurrences(of: "{key}", with: "x")
                let bare = try await client.call(method, path, json: [:], headers: [.cookie: session.cookie])
                #expect(bare.status == 403 && bare.json["error"]?["code"] == "csrf", "\(method) \(path): \(bare.status)")
                let crossSite = try await client.call(
                    method, path, json: [:],
                    headers: [.cookie: session.cookie, CSRF.header: session.csrf, HTTPField.Name("sec-fetch-site")!: "cross-site"])
                #expect(crossSite.status == 403, "\(method) \(path)")
                let otherOrigin = try await client.call(
                    method, path, json: [:],
                    headers: [.cookie: session.cookie, CSRF.header: session.csrf, HTTPField.Name("origin")!: "https://evil.example"])
                #expect(otherOrigin.status == 403, "\(method) \(path)")
            }
            // The same-origin dashboard with its token, and a Bearer key without one, get through.
            let withToken = try await client.call(
                .post, "/api/dashboard/briefs", json: ["handle": "@csrf_ok"], headers: [.cookie: session.cookie, CSRF.header: session.csrf])
            #expect(withToken.status == 201, "\(withToken.text)")
            #expect(try await client.call(.post, "/api/dashboard/briefs", key: key, json: ["handle": "@bearer_ok"]).status == 201)
        }
        await harness.stop()
    }

    @Test func aSignedInFormWithAWrongTokenIsRefusedAndWritesNothing() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let session = try await Self.login(client, key: key)
            let wrong = String(session.csrf.reversed())
            for token in [wrong, "", "tta_csrf_cookie_value_0123456789"] {
                let response = try await client.call(
                    .post, "/briefs", raw: "csrf=\(token)&handle=%40wrongtoken", contentType: "application/x-www-form-urlencoded",
                    headers: [.cookie: session.cookie + "; tta_csrf=tta_csrf_cookie_value_0123456789"])
                #expect(response.status == 403 && response.error?.code == "csrf", "\(token): \(response.status)")
            }
            let right = try await client.call(
                .post, "/briefs", raw: "csrf=\(session.csrf)&handle=%40righttoken", contentType: "application/x-www-form-urlencoded",
                headers: [.cookie: session.cookie])
            #expect(right.status == 303)
        }
        let handles = try await harness.store.database.withWorkspace(workspace) {
            try BriefRepository.list(limit: 10, cursor: nil, on: $0).items.map(\.handle)
        }
        #expect(handles == ["@righttoken"])
        await harness.stop()
    }

    @Test func rolesGateEachRouteGroup() async throws {
        let harness = try APIHarness()
        let (workspace, admin) = try await APIHarness.workspace()
        let (viewer, operatorKey) = try await harness.store.database.withWorkspace(workspace) { c in
            (
                try WorkspaceRepository.issueKey(workspace: workspace, name: "intern", role: .viewer, on: c).plaintext,
                try WorkspaceRepository.issueKey(workspace: workspace, name: "ops", role: .operator, on: c).plaintext
            )
        }
        try await harness.withClient { client in
            #expect(try await client.call(.get, "/api/dashboard/briefs", key: viewer).status == 200)
            let denied = try await client.call(.post, "/api/dashboard/briefs", key: viewer, json: ["handle": "@viewer"])
            #expect(denied.status == 403 && denied.json["error"]?["message"]?.stringValue?.contains("operator role") == true)
            #expect(
                try await client.call(.post, "/api/dashboard/approvals/\(UUID())/approve", key: viewer, json: [:]).status == 403,
                "a viewer cannot approve")
            #expect(try await client.call(.post, "/api/dashboard/briefs", key: operatorKey, json: ["handle": "@ops"]).status == 201)
            #expect(
                try await client.call(.post, "/api/dashboard/keys", key: operatorKey, json: ["name": "x", "role": "admin"]).status == 403,
                "an operator cannot create keys")
            #expect(try await client.call(.get, "/api/dashboard/keys", key: operatorKey).status == 403)
            #expect(
                try await client.call(.put, "/api/dashboard/agents/trend_scout/model", key: operatorKey, json: ["model": nil]).status == 403
            )
            let created = try await client.call(.post, "/api/dashboard/keys", key: admin, json: ["name": "ci", "role": "viewer"])
            #expect(
                created.status == 201 && created.json["role"] == "viewer" && created.json["api_key"]?.stringValue?.hasPrefix("tta_") == true
            )
            let bad = try await client.call(.post, "/api/dashboard/keys", key: admin, json: ["name": "x", "role": "root"])
            #expect(bad.status == 400 && bad.json["error"]?["message"] == "role must be one of admin, operator, viewer")
            let listed = try await client.call(.get, "/api/dashboard/keys", key: admin).json["items"]?.arrayValue ?? []
            #expect(Set(listed.compactMap { $0["name"]?.stringValue }) == ["default", "intern", "ops", "ci"])
            #expect(listed.allSatisfy { $0["api_key"] == nil }, "plaintext is shown once only")
        }
        await harness.stop()
    }

    @Test func aRevokedKeyIsRefusedWithinASecondOnASecondProcess() async throws {
        let first = try APIHarness()
        let second = try APIHarness()
        let (_, admin) = try await APIHarness.workspace()
        let (victim, id) = try await first.withClientResult { client in
            let created = try await client.call(.post, "/api/dashboard/keys", key: admin, json: ["name": "leaked", "role": "operator"])
            return (created.json["api_key"]!.stringValue!, created.json["id"]!.stringValue!)
        }
        // One router (one credential cache) per process for the whole test.
        let status = try await second.withClientResult { other in
            let cached = try await other.call(.get, "/api/dashboard/briefs", key: victim).status
            #expect(cached == 200, "the second process has the key cached as valid")
            let revoked = try await first.withClientResult {
                try await $0.call(.post, "/api/dashboard/keys/\(id)/revoke", key: admin, json: [:]).status
            }
            #expect(revoked == 200)
            let revokedAt = ContinuousClock.now
            var status = 200
            while ContinuousClock.now - revokedAt < .seconds(1) {
                status = try await other.call(.get, "/api/dashboard/briefs", key: victim).status
                if status == 401 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            return status
        }
        #expect(status == 401, "the second process still accepted the key after a second (its cache lives 10 s)")
        await first.stop()
        await second.stop()
    }

    @Test func aBurstOverTheLimitIs429WithRetryAfterAndFailedKeysAreLimitedToo() async throws {
        // A stopped clock: no bucket refills however slowly the machine sends the burst.
        let harness = try APIHarness(environment: ["RATE_LIMIT_PER_KEY": "1", "RATE_LIMIT_PER_ADDRESS": "1000"], clock: .fixed(Date()))
        let (_, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            var statuses: [Int] = []
            for _ in 0..<6 { statuses.append(try await client.call(.get, "/api/dashboard/briefs", key: key).status) }
            #expect(statuses.prefix(4).allSatisfy { $0 == 200 } && statuses.last == 429, "\(statuses)")
            let limited = try await client.call(.get, "/api/dashboard/briefs", key: key)
            #expect(limited.status == 429 && limited.json["error"]?["code"] == "rate_limited" && limited.headers[.retryAfter] != nil)
            var failures: [Int] = []
            for i in 0..<12 { failures.append(try await client.call(.get, "/api/dashboard/briefs", key: "tta_guess\(i)").status) }
            #expect(failures.prefix(10).allSatisfy { $0 == 401 } && failures.suffix(2).allSatisfy { $0 == 429 }, "\(failures)")
        }
        await harness.stop()
    }

    @Test func behindATrustedProxyFailedLoginsCountPerClientNotPerProxy() async throws {
        let harness = try APIHarness(environment: ["FORWARDED_HOPS": "1"], clock: .fixed(Date()))
        try await harness.withClient { client in
            func attempt(_ forwarded: String) async throws -> Int {
                try await client.call(
                    .get, "/api/dashboard/briefs", key: "tta_guess", headers: [HTTPField.Name("x-forwarded-for")!: forwarded]
                ).status
            }
            var guesser: [Int] = []
            // The client may send its own entries; only the one the proxy appended counts.
            for i in 0..<11 { guesser.append(try await attempt("198.51.100.\(i), 203.0.113.7")) }
            #expect(guesser.prefix(10).allSatisfy { $0 == 401 } && guesser.last == 429, "\(guesser)")
            #expect(try await attempt("203.0.113.8") == 401, "another client behind the same proxy is not locked out")
        }
        await harness.stop()
        #expect(
            RequestMiddleware.forwardedClient(
                Request(head: .init(method: .get, scheme: "http", authority: "x", path: "/"), body: .init(buffer: .init())), hops: 1) == nil
        )
    }

    @Test func aGoogleTokenRouteWithoutItsSenderDoesNotStart() {
        let pubsub = #expect(throws: SettingsError.self) {
            try Settings(environment: ["PUBSUB_PUSH_AUDIENCE": "https://army.example/webhooks/pubsub"])
        }
        #expect(pubsub?.variable == "PUBSUB_PUSH_SERVICE_ACCOUNT")
        let tasks = #expect(throws: SettingsError.self) {
            try Settings(environment: [
                "EXECUTION_MODE": "cloud_tasks", "CLOUD_TASKS_QUEUE": "q", "PUBLIC_BASE_URL": "https://army.example",
            ])
        }
        #expect(tasks?.variable == "CLOUD_TASKS_SERVICE_ACCOUNT")
    }

    @Test func theSpendFunctionsChargeOnlyTheCallersOwnWorkspace() async throws {
        let (a, _) = try await APIHarness.workspace()
        let (b, _) = try await APIHarness.workspace()
        let database = APIHarness.store.database
        try await database.withWorkspace(a) { try SpendLedgerRepository.charge(.claude, amount: 0.5, reference: "r1", on: $0) }
        #expect(try await database.withWorkspace(a) { try SpendLedgerRepository.spentToday(.claude, on: $0) } == 0.5)
        #expect(try await database.withWorkspace(b) { try SpendLedgerRepository.spentToday(.claude, on: $0) } == 0)
        // Outside any workspace scope the function refuses; the old signature naming a workspace is gone.
        let unscoped = await #expect(throws: DatabaseError.self) {
            try await database.withConnection { try SpendLedgerRepository.charge(.claude, amount: 1, reference: "r2", on: $0) }
        }
        #expect(unscoped?.sqlState == "42501")
        let old = await #expect(throws: DatabaseError.self) {
            try await database.withWorkspace(a) { try $0.query("SELECT tiktok_charge_spend(\(b)::uuid, 'claude', 1, 'r3', 1000)") }
        }
        #expect(old?.sqlState == "42883", "no such function")
        // The default cap is out of the caller's reach.
        let denied = await #expect(throws: DatabaseError.self) {
            try await database.withWorkspace(b) { try $0.query("UPDATE tiktok_meta.spend_defaults SET cap_usd = 1000000") }
        }
        #expect(denied?.sqlState == "42501")
        let overCap = await #expect(throws: SpendCapExceeded.self) {
            try await database.withWorkspace(b) { try SpendLedgerRepository.charge(.claude, amount: 10_000, reference: "r4", on: $0) }
        }
        #expect(overCap?.limitUsd == 25)
    }

    @Test func everyHTMLPageCarriesTheSecurityHeadersAndJSONIsNosniff() async throws {
        let harness = try APIHarness()
        let (_, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let session = try await Self.login(client, key: key)
            let pages = harness.router.routes.filter {
                $0.method == .get && !$0.path.description.contains("api/") && !$0.path.description.contains("assets")
            }
            .map(\.path.description)
            #expect(pages.count >= 10)
            for template in pages {
                let path = ("/" + template).replacingOccurrences(of: "//", with: "/").replacingOccurrences(
                    of: "{id}", with: UUID().uuidString
                ).replacingOccurrences(of: "{name}", with: "trend_scout")
                let response = try await client.call(.get, path, headers: [.cookie: session.cookie])
                #expect(response.headers[HTTPField.Name("x-content-type-options")!] == "nosniff", "\(path)")
                guard response.headers[.contentType]?.hasPrefix("text/html") == true else { continue }
                let policy = response.headers[HTTPField.Name("content-security-policy")!] ?? ""
                #expect(
                    policy.contains("script-src 'self'") && !policy.contains("unsafe-inline") && policy.contains("frame-ancestors 'none'"),
                    "\(path): \(policy)")
                #expect(
                    response.headers[HTTPField.Name("referrer-policy")!] != nil && response.headers[.cacheControl] == "no-store", "\(path)")
            }
            let json = try await client.call(.get, "/api/dashboard/briefs", key: key)
            #expect(json.headers[HTTPField.Name("x-content-type-options")!] == "nosniff")
        }
        await harness.stop()
    }

    @Test func decisionsAndCancelsRecordTheKeysNameShownOnTheRunPage() async throws {
        let harness = try APIHarness()
        let (workspace, admin) = try await APIHarness.workspace()
        let ops = try await harness.store.database.withWorkspace(workspace) {
            try WorkspaceRepository.issueKey(workspace: workspace, name: "ops-lead", role: .operator, on: $0).plaintext
        }
        let brief = try await harness.store.database.withWorkspace(workspace) {
            try BriefRepository.create(NewBrief(handle: "@decider", notes: nil), workspace: workspace, on: $0)
        }
        let launch = try await harness.dependencies.service.start(briefId: brief.id, workflowSlug: "campaign_launch", workspace: workspace)
            .run.id
        let audit = try await harness.dependencies.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run
            .id
        _ = try await harness.waitForRun(launch.description, workspace: workspace, until: [.awaitingApproval])
        try await harness.withClient { client in
            let pending = try await client.call(.get, "/api/dashboard/approvals?status=pending", key: ops).json["items"]?.arrayValue ?? []
            let approval = try #require(pending.first { $0["run_id"]?.stringValue == launch.description }?["id"]?.stringValue)
            #expect(
                try await client.call(.post, "/api/dashboard/approvals/\(approval)/approve", key: ops, json: ["note": "go"]).status == 200)
            _ = try await client.call(.post, "/api/dashboard/workflows/runs/\(audit)/cancel", key: ops, json: [:])
            let session = try await Self.login(client, key: admin)
            let page = try await client.call(.get, "/runs/\(launch)", headers: [.cookie: session.cookie])
            #expect(page.text.contains("approval approved by key ops-lead: go"), "\(page.text.suffix(800))")
        }
        let events = try await harness.store.database.withWorkspace(workspace) { c in
            try c.query(
                "SELECT event, data->>'by' AS by FROM tiktok_run_events WHERE event IN ('approval.decided', 'workflow_run.cancelled')"
            ).rows
                .map { "\(try $0.string("event"))=\($0.optionalString("by") ?? "")" }
        }
        #expect(Set(events).isSuperset(of: ["approval.decided=ops-lead"]), "\(events)")
        await harness.stop()
    }

    @Test func metricsAreOffWithoutAToken() async throws {
        let harness = try APIHarness()
        try await harness.withClient { client in
            let off = try await client.call(.get, "/metrics")
            #expect(off.status == 404 && off.json["error"]?["message"]?.stringValue?.contains("METRICS_TOKEN") == true)
        }
        await harness.stop()
        #expect(throws: SettingsError.self) { try Settings(environment: ["METRICS_TOKEN": "short"]) }
    }
}

@Suite struct BearerTokenTests {
    @Test func theSchemeIsReadInAnyCaseAndTheBlanksAroundTheTokenAreDropped() {
        #expect(AuthMiddleware.bearerToken("Bearer tta_abc") == "tta_abc")
        #expect(AuthMiddleware.bearerToken("bEaReR \t tta_abc \t ") == "tta_abc")
        #expect(AuthMiddleware.bearerToken("BEARER a b") == "a b")
        #expect(AuthMiddleware.bearerToken("Bearer clé") == "clé")
    }

    @Test func anythingButABearerWithATokenHasNone() {
        for value in [
            "", "Bearer", "Bearer ", "Bearer \t  ", "Basic dXNlcjpwdw==", "Bearertta_abc", "Bearer\ttta_abc", "Béarer x", " Bearer x",
        ] {
            #expect(AuthMiddleware.bearerToken(value) == nil, "\(value)")
        }
    }
}

@Suite struct MarkdownSafetyTests {
    static let payloads = [
        #"![p](x" onerror="alert(1))"#, "[a]( javascript:alert(1))", "[a](java\tscript:alert(1))", "[a](JaVaScRiPt:alert(1))",
        "[a](javascript&#58;alert(1))", "[a]: javascript:alert(1)\n\n[a]", #"[x" onmouseover="alert(1)](https://ok.example)"#,
        "[a](data:text/html;base64,PHNjcmlwdD4=)", "<img src=x onerror=alert(1)>", "[a](vbscript:msgbox(1))",
        "[a](\u{0}javascript:alert(1))",
    ]

    @Test(arguments: payloads) func aPayloadRendersInert(_ payload: String) {
        let html = HTMLSafety.markdown("# Report\n\n" + payload + "\n")
        let tags = html.matches(of: /<[a-z][^>]*>/).map { String($0.output) }
        for tag in tags {
            #expect(!tag.lowercased().contains(" on"), "an event handler attribute: \(tag)")
            for match in tag.matches(of: /(?:href|src)="([^"]*)"/) {
                let value = String(match.output.1).lowercased()
                #expect(!value.contains("script:") && !value.hasPrefix("data:"), "\(tag)")
            }
        }
        #expect(!html.contains("<img src=x"), "\(html)")
    }

    @Test func ordinaryLinksImagesAndTextSurvive() {
        let html = HTMLSafety.markdown(
            "See [the shop](https://shop.example/a?x=1&y=2), [mail](mailto:hi@x.example) and ![logo](/logo.png). Say \"hi\" & 'bye'.")
        #expect(html.contains(#"<a href="https://shop.example/a?x=1&amp;y=2">the shop</a>"#), "\(html)")
        #expect(html.contains(#"href="mailto:hi@x.example""#) && html.contains(#"src="/logo.png""#), "\(html)")
        #expect(html.contains("Say &quot;hi&quot; &amp; &#39;bye&#39;."), "\(html)")
    }
}
