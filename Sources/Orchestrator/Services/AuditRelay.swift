import Agents
import Core
import Foundation
import Persistence
import Providers

/// Publishes `tiktok_outbox` to the audit topic: per workspace, the oldest unpublished events in
/// batches, in the order they were written (one relay holds a workspace at a time, so a run's
/// events never overtake each other), leased while published and then marked published. At
/// least once: a crash after publishing and before recording it publishes the batch again
/// (after its 30 s lease), so consumers de-duplicate by the `event_id` attribute. A failed
/// publish releases the rows and backs off (1 s doubling to 60 s).
public struct AuditRelay: Sendable {
    let database: Database
    let publisher: any MessagePublisher
    let topic: String
    let batchSize: Int
    /// This relay's lease owner name.
    let owner: String

    public init(
        database: Database, publisher: any MessagePublisher, topic: String, batchSize: Int = 100,
        owner: String = Crypto.randomUUID().uuidString
    ) {
        self.owner = owner
        self.database = database
        self.publisher = publisher
        self.topic = topic
        self.batchSize = batchSize
    }

    /// One pass over every workspace with a backlog; returns how many events were published.
    /// Throws the first publish failure (after the other workspaces were tried).
    public func relayOnce() async throws -> Int {
        let backlog = try await database.withConnection { try OutboxRepository.backlog(on: $0) }
        var published = 0
        var failure: (any Error)?
        for (workspace, _) in backlog {
            do {
                published += try await relay(workspace)
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        return published
    }

    /// Publishes `workspace`'s backlog batch by batch; no connection is held while publishing.
    func relay(_ workspace: WorkspaceID) async throws -> Int {
        var total = 0
        let (owner, limit) = (self.owner, batchSize)
        while true {
            let batch = try await database.withWorkspace(workspace) { try OutboxRepository.claimBatch(owner: owner, limit: limit, on: $0) }
            guard !batch.isEmpty else { return total }
            let messages = batch.map { event in
                OutgoingMessage(
                    data: Data(event.payload.jsonString.utf8),
                    attributes: [
                        "event_id": event.id.uuidString, "workspace_id": event.workspaceId.description,
                        "event": event.payload["event"]?.stringValue ?? event.topic,
                        "workflow_run_id": event.payload["workflow_run_id"]?.stringValue ?? "",
                    ])
            }
            let ids = batch.map(\.id)
            do {
                _ = try await publisher.publish(topic: topic, messages: messages)
            } catch {
                _ = try? await database.withWorkspace(workspace) {
                    try OutboxRepository.markFailed(ids, owner: owner, error: "\(error)", on: $0)
                }
                throw error
            }
            try await database.withWorkspace(workspace) { try OutboxRepository.markPublished(ids, owner: owner, on: $0) }
            total += batch.count
            if batch.count < limit { return total }
        }
    }

    /// Relays until cancelled, backing off after a failure.
    public func run(every interval: Duration = .seconds(2)) async {
        var delay = interval
        while !Task.isCancelled {
            do {
                _ = try await relayOnce()
                delay = interval
            } catch {
                delay = min(max(delay * 2, .seconds(1)), .seconds(60))
            }
            try? await Task.sleep(for: delay)
        }
    }
}
