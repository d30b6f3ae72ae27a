import Agents
import Core
import Foundation
import Persistence
import Providers

/// Posts each stored alert once to its workspace's Slack incoming webhook (workspaces without
/// one are skipped); rows are locked while sent so two processes do not both post one.
public struct AlertNotifier: Sendable {
    let database: Database
    let chat: any ChatNotifier
    /// The dashboard's public base URL, for links in the messages.
    let baseURL: String

    public init(database: Database, chat: any ChatNotifier, baseURL: String) {
        self.database = database
        self.chat = chat
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    /// One pass; returns how many alerts were posted.
    public func notifyOnce() async throws -> Int {
        var posted = 0
        for workspace in try await database.withConnection({ try AlertRepository.workspacesToNotify(on: $0) }) {
            let (settings, alerts) = try await database.withWorkspace(workspace) { c in
                (try AlertRepository.settings(on: c), try AlertRepository.list(limit: 50, on: c).filter { $0.notifiedAt == nil })
            }
            guard let url = settings.slackWebhookURL else { continue }
            for alert in alerts.reversed() {
                let link = alert.link.map { " <\(baseURL)\($0)|Open>" } ?? ""
                try await chat.post(":rotating_light: \(alert.message)\(link)", to: url)
                try await database.withWorkspace(workspace) { try AlertRepository.markNotified(alert.id, on: $0) }
                posted += 1
            }
        }
        return posted
    }

    public func run(every interval: Duration = .seconds(10)) async {
        while !Task.isCancelled {
            _ = try? await notifyOnce()
            try? await Task.sleep(for: interval)
        }
    }
}
