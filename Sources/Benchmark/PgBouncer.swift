import Core
import Foundation
import Persistence

/// Debian's PgBouncer in transaction mode in front of a cluster, for the application role,
/// started as a daemon (as `postgres` when this process is root, which PgBouncer refuses).
struct PgBouncer {
    let directory: String
    let url: String

    struct Unavailable: Error, CustomStringConvertible { var description: String }

    static func start(in cluster: EmbeddedPostgres.Cluster) throws -> PgBouncer {
        guard let app = URLComponents(string: cluster.appURL), let user = app.user, let password = app.password else {
            throw Unavailable(description: "the cluster's URL has no user or password")
        }
        let database = String(app.path.dropFirst())
        let directory = NSTemporaryDirectory() + "tiktok-army-pgbouncer-\(Crypto.randomUUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let listen = 20_000 + Int(getpid() % 20_000)
        try """
        [databases]
        \(database) = host=127.0.0.1 port=\(cluster.port) dbname=\(database)
        [pgbouncer]
        listen_addr = 127.0.0.1
        listen_port = \(listen)
        unix_socket_dir =
        auth_type = scram-sha-256
        auth_file = \(directory)/userlist.txt
        pool_mode = transaction
        max_client_conn = 1000
        default_pool_size = 20
        logfile = \(directory)/pgbouncer.log
        pidfile = \(directory)/pgbouncer.pid

        """.write(toFile: directory + "/pgbouncer.ini", atomically: true, encoding: .utf8)
        try "\"\(user)\" \"\(password.removingPercentEncoding ?? password)\"\n".write(
            toFile: directory + "/userlist.txt", atomically: true, encoding: .utf8)
        var command = ["pgbouncer", "-d", directory + "/pgbouncer.ini"]
        if geteuid() == 0 {
            _ = try ChildProcess.run(["chown", "-R", "postgres", directory])
            command = ["runuser", "-u", "postgres", "--"] + command
        }
        let outcome = try ChildProcess.run(command)
        guard outcome.succeeded else {
            throw Unavailable(
                description: "pgbouncer did not start: \(outcome.output.prefix(200)) (scripts/install-deps.sh --bench installs it)")
        }
        let bouncer = PgBouncer(
            directory: directory, url: "postgresql://\(user):\(password)@127.0.0.1:\(listen)/\(database)?sslmode=disable&connect_timeout=5")
        for _ in 0..<50 {
            if (try? Connection(url: bouncer.url)) != nil { return bouncer }
            Thread.sleep(forTimeInterval: 0.1)
        }
        bouncer.stop()
        throw Unavailable(description: "pgbouncer did not answer on 127.0.0.1:\(listen)")
    }

    func stop() {
        if let pid = (try? String(contentsOfFile: directory + "/pgbouncer.pid", encoding: .utf8)).flatMap({
            Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }) {
            kill(pid, SIGTERM)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
