import Core
import Foundation
import Logging

/// A private Postgres cluster under the data directory, started from the system's server
/// binaries. Used when no `DATABASE_URL` is set, and by the tests.
///
/// Safe to call from several processes: a file lock serialises start-up, and a running cluster
/// (found through `postmaster.pid`) is reused rather than started twice.
public struct EmbeddedPostgres: Sendable {
    /// Connection details of a running cluster.
    public struct Cluster: Sendable, Equatable {
        public var port: Int
        public var ownerURL: String
        public var appURL: String
        public var superuserURL: String
        public var root: String
        /// Whether this call started the server (rather than finding it running).
        public var startedHere: Bool

        /// The same URLs pointed at another database of the cluster.
        public func urls(database: String) -> (owner: String, app: String) {
            (Self.replacing(ownerURL, database: database), Self.replacing(appURL, database: database))
        }

        private static func replacing(_ url: String, database: String) -> String {
            let query = url.firstIndex(of: "?").map { String(url[$0...]) } ?? ""
            let base = url.firstIndex(of: "?").map { String(url[..<$0]) } ?? url
            return String(base[..<base.lastIndex(of: "/")!]) + "/" + database + query
        }
    }

    /// Why the cluster could not be started.
    public struct LaunchError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static let ownerRole = "tiktok_owner"
    public static let appRole = "tiktok_app"
    public static let definerRole = "tiktok_definer"
    public static let databaseName = "tiktok_army"

    /// The folder holding the cluster, its credentials, log and lock.
    public let root: String
    private let binDirectory: String
    private let asRoot: Bool
    private let logger: Logger

    /// Resolves where the cluster lives under `dataDir`; when running as root and the `postgres`
    /// user cannot reach that folder, a folder under `/tmp` derived from its path is used instead.
    public init(dataDir: String, logger: Logger) throws {
        self.logger = logger
        asRoot = geteuid() == 0
        binDirectory = try Self.findBinaries()
        let absolute = URL(fileURLWithPath: dataDir, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardized.path
        var root = absolute + "/postgres"
        if asRoot {
            try FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: true)
            if (try? Self.shell(["runuser", "-u", "postgres", "--", "test", "-x", absolute, "-a", "-r", absolute])) == nil {
                root = "/tmp/tiktok-army-" + Crypto.sha256Hex(absolute).prefix(12) + "/postgres"
            }
        }
        self.root = root
    }

    private var clusterDirectory: String { root + "/cluster" }
    private var credentialsPath: String { root + "/credentials.json" }
    private var logPath: String { root + "/postgres.log" }

    private struct Credentials: Codable {
        var superuser: String
        var owner: String
        var app: String
    }

    /// Starts (or reuses) the cluster, creates roles and database, and applies `migrator` if given.
    public func start(migrator: Migrator? = nil) throws -> Cluster {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        if asRoot { try Self.shell(["chown", "postgres:postgres", root]) }
        let lock = try FileLock(path: root + "/launcher.lock")
        defer { lock.unlock() }

        let credentials = try loadOrCreateCredentials()
        if !FileManager.default.fileExists(atPath: clusterDirectory + "/PG_VERSION") {
            try initialise(credentials)
        }
        let running = try runningPort()
        let port = try running ?? launch()
        let cluster = Cluster(
            port: port,
            ownerURL: url(Self.ownerRole, credentials.owner, port),
            appURL: url(Self.appRole, credentials.app, port),
            superuserURL: url("postgres", credentials.superuser, port, database: "postgres"),
            root: root,
            startedHere: running == nil)
        try bootstrap(cluster, credentials)
        if let migrator {
            let owner = try Connection(url: cluster.ownerURL)
            let applied = try migrator.migrate(on: owner)
            if !applied.isEmpty { logger.debug("applied migrations", metadata: ["migrations": "\(applied.map(\.name))"]) }
        }
        return cluster
    }

    /// The cluster's port when it is running, else `nil`.
    public func runningPort() throws -> Int? {
        let pidFile = clusterDirectory + "/postmaster.pid"
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8) else { return nil }
        guard (try? pgctl(["status", "-D", clusterDirectory])) != nil else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > 3, let port = Int(lines[3].trimmingCharacters(in: .whitespaces)) else { return nil }
        return port
    }

    /// Stops the cluster if it runs.
    public func stop() throws {
        guard try runningPort() != nil else { return }
        try pgctl(["stop", "-D", clusterDirectory, "-m", "fast", "-w", "-t", "60"])
    }

    /// Creates an empty database owned by the owner role (tests use one per scenario).
    public func createDatabase(_ name: String, in cluster: Cluster) throws {
        precondition(name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" })
        let superuser = try Connection(url: cluster.superuserURL)
        try superuser.execute("CREATE DATABASE \(name) OWNER \(Self.ownerRole)")
    }

    // MARK: - Steps

    private func loadOrCreateCredentials() throws -> Credentials {
        if let data = FileManager.default.contents(atPath: credentialsPath) {
            return try JSONDecoder().decode(Credentials.self, from: data)
        }
        let secret = { Crypto.hex(Crypto.randomBytes(16)) }
        let credentials = Credentials(superuser: secret(), owner: secret(), app: secret())
        try JSONEncoder().encode(credentials).write(to: URL(fileURLWithPath: credentialsPath))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: credentialsPath)
        return credentials
    }

    private func initialise(_ credentials: Credentials) throws {
        if FileManager.default.fileExists(atPath: clusterDirectory) {
            try FileManager.default.removeItem(atPath: clusterDirectory)
        }
        let passwordFile = root + "/.pwfile"
        try Data(credentials.superuser.utf8).write(to: URL(fileURLWithPath: passwordFile))
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        if asRoot { try Self.shell(["chown", "postgres:postgres", passwordFile]) }
        logger.info("initialising embedded Postgres cluster", metadata: ["path": "\(clusterDirectory)"])
        try asPostgres([
            binDirectory + "/initdb", "-D", clusterDirectory, "-U", "postgres", "--pwfile=" + passwordFile,
            "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-instructions",
        ])
        let settings = """

            # tiktok-army embedded cluster
            listen_addresses = '127.0.0.1'
            unix_socket_directories = ''
            max_connections = 300
            shared_buffers = 128MB
            log_min_messages = warning

            """
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: clusterDirectory + "/postgresql.conf"))
        handle.seekToEndOfFile()
        handle.write(Data(settings.utf8))
        try handle.close()
    }

    /// Starts the server on the port it used last time when that is still free, so URLs handed
    /// out before a restart keep working.
    private func launch() throws -> Int {
        let portFile = root + "/port"
        let previous = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let port = try previous.flatMap { FreePort.isFree($0) ? $0 : nil } ?? FreePort.find()
        try String(port).write(toFile: portFile, atomically: true, encoding: .utf8)
        try pgctl(["start", "-D", clusterDirectory, "-l", logPath, "-w", "-t", "60", "-o", "-p \(port)"])
        return port
    }

    private func bootstrap(_ cluster: Cluster, _ credentials: Credentials) throws {
        let superuser = try Connection(url: cluster.superuserURL)
        try superuser.execute(
            """
            DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(Self.ownerRole)') THEN
                    CREATE ROLE \(Self.ownerRole) LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB;
                END IF;
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(Self.appRole)') THEN
                    CREATE ROLE \(Self.appRole) LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
                END IF;
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(Self.definerRole)') THEN
                    CREATE ROLE \(Self.definerRole) NOLOGIN NOSUPERUSER NOBYPASSRLS;
                END IF;
            END $$;
            ALTER ROLE \(Self.ownerRole) PASSWORD '\(credentials.owner)';
            ALTER ROLE \(Self.appRole) PASSWORD '\(credentials.app)';
            GRANT \(Self.definerRole) TO \(Self.ownerRole);
            """)
        let exists = try superuser.query("SELECT 1 FROM pg_database WHERE datname = \(Self.databaseName)").rows.count == 1
        if !exists {
            try superuser.execute("CREATE DATABASE \(Self.databaseName) OWNER \(Self.ownerRole)")
        }
    }

    private func url(_ user: String, _ password: String, _ port: Int, database: String = databaseName) -> String {
        "postgresql://\(user):\(password)@127.0.0.1:\(port)/\(database)?connect_timeout=5&sslmode=disable&gssencmode=disable"
    }

    // MARK: - Processes

    @discardableResult
    private func pgctl(_ arguments: [String]) throws -> String {
        try asPostgres([binDirectory + "/pg_ctl"] + arguments)
    }

    @discardableResult
    private func asPostgres(_ command: [String]) throws -> String {
        try Self.shell(asRoot ? ["runuser", "-u", "postgres", "--"] + command : command)
    }

    /// Runs a command (never through a shell) and returns its output; throws with the output on failure.
    @discardableResult
    static func shell(_ command: [String]) throws -> String {
        let outcome = try ChildProcess.run(command)
        guard outcome.succeeded else {
            let program = command[0] == "runuser" && command.count > 3 ? command[3] : command[0]
            throw LaunchError(
                description:
                    "\(URL(fileURLWithPath: program).lastPathComponent) failed: \(outcome.output.trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
        return outcome.output
    }

    private static func findBinaries() throws -> String {
        if let configured = ProcessInfo.processInfo.environment["PG_BIN_DIR"] { return configured }
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions where FileManager.default.isExecutableFile(atPath: "\(base)/\(version)/bin/initdb") {
            return "\(base)/\(version)/bin"
        }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(folder)/initdb")
            && FileManager.default.isExecutableFile(atPath: "\(folder)/pg_ctl")
        {
            return String(folder)
        }
        throw LaunchError(description: "no Postgres server binaries found (install the postgresql package or set PG_BIN_DIR)")
    }
}

/// An exclusive `flock` held until `unlock`.
struct FileLock {
    private let descriptor: Int32

    init(path: String) throws {
        // Close-on-exec: a server started while the lock is held must not inherit (and keep) it.
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw EmbeddedPostgres.LaunchError(description: "cannot open lock file \(path)") }
        guard flock(descriptor, LOCK_EX) == 0 else { throw EmbeddedPostgres.LaunchError(description: "cannot lock \(path)") }
    }

    func unlock() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// Asks the kernel for a free loopback TCP port.
enum FreePort {
    static func isFree(_ port: Int) -> Bool {
        (try? claim(port: port)) != nil
    }

    static func find() throws -> Int {
        try claim(port: 0)
    }

    private static func claim(port: Int) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw EmbeddedPostgres.LaunchError(description: "cannot open a socket") }
        defer { close(fd) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw EmbeddedPostgres.LaunchError(description: "cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
