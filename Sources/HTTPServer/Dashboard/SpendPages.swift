import Core
import Foundation
import Hummingbird
import Persistence

/// The workspace's daily Claude and ads caps with today's use; admins change them.
extension DashboardController {
    func addSpendRoutes(to router: Router<AppContext>) {
        router.get("/spend") { request, _ in
            try await page(request) { principal, csrf in
                var page = try await spendPage(principal, csrf)
                if request.query("done") == "saved" { page.flash = "The caps were saved." }
                return page
            }
        }
        router.post("/spend") { request, _ in
            let (principal, form) = try await signedInForm(request, role: .admin)
            func cap(_ name: String) throws -> Double? {
                let raw = (form[name] ?? "").trimmingCharacters(in: .whitespaces)
                return try SpendCaps.cap(raw.isEmpty ? nil : Double(raw) ?? -1, name)
            }
            try await SpendCaps.save(
                claude: try cap("claude_daily_usd"), ads: try cap("ads_daily_usd"), principal.workspaceId, database)
            return Self.redirect("/spend?done=saved")
        }
    }

    func spendPage(_ principal: Principal, _ csrf: String) async throws -> Page {
        let current = try await SpendCaps.current(principal.workspaceId, database)
        let items: [[String: Any]] = [("claude", "Claude"), ("ads", "Ads")].map { key, title in
            let item = current[key] ?? [:]
            let cap = item["cap_usd"]?.doubleValue ?? 0
            let spent = item["spent_today_usd"]?.doubleValue ?? 0
            let own = item["workspace_cap_usd"]?.doubleValue
            return [
                "name": "\(key)_daily_usd", "title": title, "spent": Self.money(spent), "cap": Self.money(cap),
                "source": own == nil ? "the deployment's default" : "this workspace's cap",
                // A zero cap is reached before anything is spent.
                "percent": cap > 0 ? min(100, Int((spent / cap * 100).rounded())) : 100, "reached": spent >= cap,
                "own": own.map { String(format: "%.2f", $0) } ?? "", "defaultCap": Self.money(cap),
                "admin": principal.role == .admin,
            ]
        }
        return Page(title: "Spend", body: Templates.render("spend", ["items": items, "csrf": csrf, "admin": principal.role == .admin]))
    }
}
