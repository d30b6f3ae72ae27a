import Agents
import Core
import Foundation
import Persistence
import Providers

/// Posts each stored alert once to its workspace's Slack incoming webhook (workspaces without
/// one are skipped). An alert is taken (marked sent) before it is posted, so two processes never
/// both post it; one whose post fails is given back for the next pass.
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
            let taken = try await database.withWorkspace(workspace) { c -> (String, [Alert])? in
                guard let url = try AlertRepository.settings(on: c).slackWebhookURL else { return nil }
                return (url, try AlertRepository.takeUnnotified(limit: 50, on: c))
            }
            guard let (url, alerts) = taken else { continue }
            for (index, alert) in alerts.enumerated() {
                let link = alert.link.map { " <\(baseURL)\($0)|Open>" } ?? ""
                do {
                    try await chat.post(":rotating_light: \(alert.message)\(link)", to: url)
                } catch {
                    let unsent = alerts[index...].map(\.id)
                    try await database.withWorkspace(workspace) { c in for id in unsent { try AlertRepository.untake(id, on: c) } }
                    throw error
                }
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
