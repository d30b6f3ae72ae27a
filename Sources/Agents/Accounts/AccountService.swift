import Core
import Foundation
import Logging
import Persistence
import Providers

/// A connect flow that cannot finish, with the sentence the person sees.
public struct AccountFlowError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The one owner of connected accounts: the connect flows, tokens sealed at rest, refresh
/// before expiry (one refresher at a time: refresh tokens rotate), revocation, and the
/// credentials live providers use. Tokens never leave it except inside an `AccountCredential`.
public struct AccountService: Sendable {
    public var database: Database
    public var authorizer: any AccountAuthorizer
    public var cipher: TokenCipher
    public var clock: Clock
    public var logger: Logger
    /// Refresh when the access token expires within this many seconds.
    public var refreshMargin: TimeInterval
    /// Who takes refresh leases (the engine owner).
    public var owner: String

    public init(
        database: Database, authorizer: any AccountAuthorizer, cipher: TokenCipher, clock: Clock = .system,
        logger: Logger = Logger(label: "accounts"), refreshMargin: TimeInterval = 300,
        owner: String = "accounts-\(Crypto.randomUUID().uuidString.prefix(8))"
    ) {
        self.database = database
        self.authorizer = authorizer
        self.cipher = cipher
        self.clock = clock
        self.logger = logger
        self.refreshMargin = refreshMargin
        self.owner = owner
    }

    static func hash(_ text: String) -> String { Crypto.sha256Hex(text) }

    // MARK: - Connect

    /// Starts a connect: stores a single-use `state` bound to the session for 10 minutes and
    /// returns where the browser goes.
    public func start(_ kind: AccountKind, session: String, redirectURI: String, workspace: WorkspaceID) async throws -> String {
        let state = Crypto.base64URLEncode(Crypto.randomBytes(24))
        guard let url = authorizer.authorizeURL(kind, state: state, redirectURI: redirectURI) else {
            throw AccountFlowError("\(kind.title) is connected with its shop and token, not a sign-in")
        }
        let expires = clock.now().addingTimeInterval(600)
        try await database.withWorkspace(workspace) { c in
            try OAuthStateRepository.create(
                stateHash: Self.hash(state), sessionHash: Self.hash(session), kind: kind, expiresAt: expires, workspace: workspace, on: c)
        }
        return url
    }

    /// Finishes a connect from the callback's query: checks `state` (known, unused, unexpired,
    /// this session's), exchanges the code, reads who the account is, stores it sealed.
    public func finish(
        state: String?, code: String?, error: String?, errorDescription: String?, session: String, redirectURI: String
    ) async throws -> ConnectedAccount {
        guard let state, !state.isEmpty else { throw AccountFlowError("The sign-in answer had no state: nothing was connected.") }
        let stateHash = Self.hash(state)
        guard let workspace = try await database.withConnection({ try OAuthStateRepository.workspace(stateHash: stateHash, on: $0) }) else {
            throw AccountFlowError("This sign-in link is not one we issued: nothing was connected.")
        }
        let sessionHash = Self.hash(session)
        let consumed = try await database.withWorkspace(workspace) { c in
            try OAuthStateRepository.consume(stateHash: stateHash, sessionHash: sessionHash, on: c)
        }
        let kind: AccountKind
        switch consumed {
        case .success(let k): kind = k
        case .failure(let refusal):
            throw AccountFlowError("\(refusal.rawValue.prefix(1).uppercased() + refusal.rawValue.dropFirst()): nothing was connected.")
        }
        if let error, !error.isEmpty {
            let reason =
                error == "access_denied"
                ? "you declined the authorization" : "TikTok answered \(error)\(errorDescription.map { ": \($0)" } ?? "")"
            throw AccountFlowError("\(kind.title) not connected: \(reason).")
        }
        guard let code, !code.isEmpty else { throw AccountFlowError("The sign-in answer had no code: nothing was connected.") }
        let grant: TokenGrant
        let identity: (handle: String, displayName: String?)
        do {
            grant = try await authorizer.exchange(kind, code: code, redirectURI: redirectURI)
            identity = try await authorizer.identity(kind, grant: grant)
        } catch let error as ProviderError {
            throw AccountFlowError("\(kind.title) not connected: \(error.message) (\(error.code)).")
        }
        return try await store(kind, grant: grant, handle: identity.handle, displayName: identity.displayName, workspace: workspace)
    }

    /// Connects a shop with an entered id and token (TikTok Shop, Shopify).
    public func connect(
        _ kind: AccountKind, externalId: String, token: String, handle: String, workspace: WorkspaceID
    ) async throws -> ConnectedAccount {
        let grant = TokenGrant(
            externalId: externalId, accessToken: token, refreshToken: nil, expiresIn: nil, refreshExpiresIn: nil, scopes: [])
        return try await store(kind, grant: grant, handle: handle, displayName: nil, workspace: workspace)
    }

    func store(_ kind: AccountKind, grant: TokenGrant, handle: String, displayName: String?, workspace: WorkspaceID) async throws
        -> ConnectedAccount
    {
        let now = clock.now()
        let details = AccountRepository.Connect(
            kind: kind, externalId: grant.externalId, handle: handle, displayName: displayName, scopes: grant.scopes,
            expiresAt: grant.expiresIn.map { now.addingTimeInterval(TimeInterval($0)) },
            refreshExpiresAt: grant.refreshExpiresIn.map { now.addingTimeInterval(TimeInterval($0)) })
        let cipher = self.cipher
        do {
            return try await database.withWorkspace(workspace) { c in
                let id = try AccountRepository.id(kind: kind, externalId: grant.externalId, on: c) ?? Crypto.randomUUID()
                return try AccountRepository.connect(
                    id: id, details, tokens: try Self.seal(grant, id: id, cipher: cipher), workspace: workspace, on: c)
            }
        } catch AccountRepository.ConnectError.connectedElsewhere {
            throw AccountFlowError("\(handle) is already connected to another workspace: disconnect it there first.")
        }
    }

    static func seal(_ grant: TokenGrant, id: UUID, cipher: TokenCipher) throws -> AccountRepository.SealedTokens {
        let binding = id.lowercasedString
        return AccountRepository.SealedTokens(
            access: try cipher.seal(grant.accessToken, binding: binding),
            refresh: try grant.refreshToken.map { try cipher.seal($0, binding: binding) }, keyId: cipher.keyId)
    }

    // MARK: - Manage

    public func list(workspace: WorkspaceID) async throws -> [ConnectedAccount] {
        try await AccountRepository.list(workspace: workspace, in: database)
    }

    /// Revokes the tokens at the provider (best effort: a provider that already dropped them
    /// does not block), then marks the account disconnected and forgets the tokens.
    public func disconnect(_ id: UUID, workspace: WorkspaceID) async throws -> ConnectedAccount? {
        guard let stored = try await database.withWorkspace(workspace, { try AccountRepository.find(id, on: $0) }) else { return nil }
        if let tokens = stored.tokens, stored.account.status != .disconnected {
            do {
                let access = try cipher.open(tokens.access, keyId: tokens.keyId, binding: id.lowercasedString)
                try await authorizer.revoke(stored.account.kind, accessToken: access)
            } catch {
                logger.warning("revoking \(stored.account.handle) at the provider failed; disconnecting anyway: \(error)")
            }
        }
        return try await database.withWorkspace(workspace) { c in
            _ = try AccountRepository.disconnect(id, on: c)
            return try AccountRepository.find(id, on: c)?.account
        }
    }

    /// `authorization.removed`: the user revoked the app; the account needs a new authorization.
    public func authorizationRemoved(openId: String, reason: String, workspace: WorkspaceID) async throws -> Int {
        try await database.withWorkspace(workspace) { c in
            let accounts = try AccountRepository.list(on: c).filter {
                $0.externalId == openId && ($0.kind == .tiktok || $0.kind == .tiktokBusiness) && $0.status != .disconnected
            }
            for account in accounts {
                try AccountRepository.markNeedsReauth(account.id, error: "authorization removed on TikTok (\(reason))", on: c)
            }
            return accounts.count
        }
    }

    // MARK: - Credentials and refresh

    /// The directory live providers use for `workspace`.
    public func directory(_ workspace: WorkspaceID) -> any AccountDirectory { WorkspaceAccounts(service: self, workspace: workspace) }

    /// A valid credential: opened from the row, refreshed first when it expires within the margin
    /// (or `force`).
    func credential(_ stored: AccountRepository.Stored, workspace: WorkspaceID, force: Bool = false) async throws -> AccountCredential {
        let account = stored.account
        guard account.status != .needsReauth else {
            throw ProviderError(
                provider: account.kind.rawValue, code: "needs_reauth",
                message: "reconnect \(account.handle) on the Accounts page: \(account.lastError ?? "its authorization stopped working")")
        }
        guard let tokens = stored.tokens else { throw ProviderError.notConnected(account.kind, account.handle) }
        let due = account.expiresAt.map { $0 < clock.now().addingTimeInterval(refreshMargin) } ?? false
        if due || force, tokens.refresh != nil {
            return try await refresh(account.id, workspace: workspace, observed: account.updatedAt)
        }
        let access = try cipher.open(tokens.access, keyId: tokens.keyId, binding: account.id.lowercasedString)
        return AccountCredential(
            accountId: account.id, kind: account.kind, externalId: account.externalId, handle: account.handle, accessToken: access)
    }

    /// Refreshes one account under its refresh lease and stores the rotated pair atomically.
    /// `observed` is when the caller last saw the row (its `updated_at`): when the row changed
    /// since, another process already refreshed it and its pair is used instead. A process that
    /// finds the lease taken waits for the holder's new pair rather than spending the (single-use)
    /// refresh token itself.
    public func refresh(_ id: UUID, workspace: WorkspaceID, observed: Date? = nil) async throws -> AccountCredential {
        let owner = self.owner
        guard let before = try await database.withWorkspace(workspace, { try AccountRepository.find(id, on: $0) }) else {
            throw ProviderError(provider: "accounts", code: "not_connected", message: "the account is gone")
        }
        let seen = observed ?? before.account.updatedAt
        if before.account.updatedAt > seen, before.refreshOwner == nil { return try opened(before) }
        let claimed = try await database.withWorkspace(workspace) {
            try AccountRepository.claimRefresh(id, owner: owner, seconds: 30, on: $0)
        }
        guard claimed else { return try await awaitRefresh(id, since: seen, workspace: workspace) }
        guard let current = try await database.withWorkspace(workspace, { try AccountRepository.find(id, on: $0) }),
            let tokens = current.tokens,
            let sealedRefresh = tokens.refresh
        else { throw ProviderError.notConnected(before.account.kind, before.account.handle) }
        let account = current.account
        let binding = id.lowercasedString
        if account.updatedAt > seen, account.status != .needsReauth {
            try await database.withWorkspace(workspace) { try AccountRepository.releaseRefresh(id, owner: owner, on: $0) }
            return try opened(current)
        }
        let grant: TokenGrant
        do {
            grant = try await authorizer.refresh(
                account.kind, refreshToken: try cipher.open(sealedRefresh, keyId: tokens.keyId, binding: binding))
        } catch let error as ProviderError where !error.isTransient {
            let message = "refreshing the token failed: \(error.message) (\(error.code))"
            try await database.withWorkspace(workspace) { try AccountRepository.markNeedsReauth(id, error: message, on: $0) }
            logger.warning("account \(account.handle) needs a new authorization: \(message)")
            throw ProviderError(
                provider: account.kind.rawValue, code: "needs_reauth",
                message: "reconnect \(account.handle) on the Accounts page: \(message)")
        } catch {
            try? await database.withWorkspace(workspace) { try AccountRepository.releaseRefresh(id, owner: owner, on: $0) }
            throw error
        }
        let now = clock.now()
        let sealed = try Self.seal(grant, id: id, cipher: cipher)
        let stored = try await database.withWorkspace(workspace) { c in
            try AccountRepository.storeRefreshed(
                id, owner: owner, tokens: sealed, expiresAt: grant.expiresIn.map { now.addingTimeInterval(TimeInterval($0)) },
                refreshExpiresAt: grant.refreshExpiresIn.map { now.addingTimeInterval(TimeInterval($0)) },
                scopes: grant.scopes.isEmpty ? nil : grant.scopes, on: c)
        }
        guard stored else {
            throw ProviderError(
                provider: "accounts", code: "refresh_lost",
                message: "the refresh lease of \(account.handle) expired before the new tokens were stored")
        }
        return AccountCredential(
            accountId: id, kind: account.kind, externalId: account.externalId, handle: account.handle, accessToken: grant.accessToken)
    }

    /// The account's current credential, opened, without refreshing.
    func opened(_ stored: AccountRepository.Stored) throws -> AccountCredential {
        let account = stored.account
        guard account.status != .needsReauth, let tokens = stored.tokens else {
            throw ProviderError(
                provider: account.kind.rawValue, code: "needs_reauth",
                message: "reconnect \(account.handle) on the Accounts page: \(account.lastError ?? "its authorization stopped working")")
        }
        return AccountCredential(
            accountId: account.id, kind: account.kind, externalId: account.externalId, handle: account.handle,
            accessToken: try cipher.open(tokens.access, keyId: tokens.keyId, binding: account.id.lowercasedString))
    }

    func awaitRefresh(_ id: UUID, since seen: Date, workspace: WorkspaceID) async throws -> AccountCredential {
        let deadline = ContinuousClock.now + .seconds(35)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            guard let row = try await database.withWorkspace(workspace, { try AccountRepository.find(id, on: $0) }) else { break }
            if row.account.status == .needsReauth || (row.refreshOwner == nil && row.account.updatedAt > seen) { return try opened(row) }
        }
        throw ProviderError(
            provider: "accounts", code: "refresh_timeout", message: "another process is still refreshing the account's token")
    }

    /// Refreshes every account of every workspace whose token expires within the margin; returns
    /// how many were refreshed. Run periodically; failures mark the account, never stop the sweep.
    @discardableResult
    public func refreshDue(limit: Int = 50) async -> Int {
        let before = clock.now().addingTimeInterval(refreshMargin)
        guard let due = try? await database.withConnection({ try AccountRepository.dueForRefresh(before: before, limit: limit, on: $0) })
        else {
            return 0
        }
        var refreshed = 0
        for (workspace, id) in due {
            do {
                _ = try await refresh(id, workspace: workspace)
                refreshed += 1
            } catch {
                logger.warning("refreshing account \(id) failed: \(error)")
            }
        }
        return refreshed
    }

    /// What a key rotation did.
    public struct Rotation: Sendable, Equatable {
        /// Accounts re-sealed under the current key.
        public var resealed: Int
        /// Accounts no configured key opens: they must be connected again.
        public var unreadable: Int
    }

    /// Re-seals every workspace's tokens under the current key.
    public func rotateKey() async throws -> Rotation {
        let keyId = cipher.keyId
        var total = Rotation(resealed: 0, unreadable: 0)
        for workspace in try await database.withConnection({ try AccountRepository.workspacesWithStaleTokens(keyId: keyId, on: $0) }) {
            let done = try await rotateKey(workspace: workspace)
            total.resealed += done.resealed
            total.unreadable += done.unreadable
        }
        return total
    }

    /// Re-seals the workspace's tokens under the current key.
    public func rotateKey(workspace: WorkspaceID) async throws -> Rotation {
        let cipher = self.cipher
        return try await database.withWorkspace(workspace) { c in
            var done = Rotation(resealed: 0, unreadable: 0)
            for row in try AccountRepository.sealed(on: c) where cipher.isStale(row.tokens!.keyId) {
                let tokens = row.tokens!
                let binding = row.account.id.lowercasedString
                guard let access = try? cipher.open(tokens.access, keyId: tokens.keyId, binding: binding) else {
                    done.unreadable += 1
                    continue
                }
                let grant = TokenGrant(
                    externalId: row.account.externalId, accessToken: access,
                    refreshToken: try tokens.refresh.map { try cipher.open($0, keyId: tokens.keyId, binding: binding) }, expiresIn: nil,
                    refreshExpiresIn: nil, scopes: [])
                if try AccountRepository.reseal(
                    row.account.id, previous: tokens, with: try Self.seal(grant, id: row.account.id, cipher: cipher), on: c)
                {
                    done.resealed += 1
                }
            }
            return done
        }
    }
}

/// One workspace's accounts as the live providers see them.
struct WorkspaceAccounts: AccountDirectory {
    let service: AccountService
    let workspace: WorkspaceID

    func credential(_ kind: AccountKind, handle: String?) async throws -> AccountCredential {
        let normalized = handle.map { $0.hasPrefix("@") || kind == .tiktokAds || kind == .tiktokShop || kind == .shopify ? $0 : "@" + $0 }
        guard let stored = try await AccountRepository.find(kind: kind, handle: normalized, workspace: workspace, in: service.database)
        else { throw ProviderError.notConnected(kind, normalized) }
        return try await service.credential(stored, workspace: workspace)
    }

    func handles(_ kind: AccountKind) async throws -> [String] {
        try await service.list(workspace: workspace).filter { $0.kind == kind && $0.status != .disconnected }.map(\.handle)
    }

    /// The provider refused `credential`: refresh, unless the stored token is already another.
    func refreshed(_ credential: AccountCredential) async throws -> AccountCredential {
        guard let stored = try await service.database.withWorkspace(workspace, { try AccountRepository.find(credential.accountId, on: $0) })
        else {
            throw ProviderError.notConnected(credential.kind, credential.handle)
        }
        let current = try service.opened(stored)
        guard current.accessToken == credential.accessToken else { return current }
        return try await service.refresh(credential.accountId, workspace: workspace, observed: stored.account.updatedAt)
    }
}
