import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program with an argument vector (never through a shell), capturing stdout and stderr
/// together, with an optional time limit. Blocking: call it from a blocking thread.
///
/// Not swift-subprocess: that library is async only, while the embedded cluster's `pg_ctl` runs
/// inside synchronous start-up (and the test database's static setup), and a child here needs a
/// cleared signal mask (pgbench's timers) and its own process group killed on timeout (ffmpeg).
public enum ChildProcess {
    /// The outcome of a finished program.
    public struct Outcome: Sendable {
        public var status: Int32
        public var output: String
        public var timedOut: Bool
        public var succeeded: Bool { status == 0 && !timedOut }
    }

    /// Why a program could not be run.
    public struct LaunchFailure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// A program started in the background.
    public struct Child: Sendable {
        public let pid: Int32

        /// Sends `signal` to the program.
        public func signal(_ signal: Int32) { kill(pid, signal) }

        /// Waits for the program to end; returns its exit status (128 + signal when killed).
        @discardableResult
        public func wait() -> Int32 {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1, errno == EINTR {}
            return Self.exitStatus(status)
        }

        /// Asks the program to end (`SIGTERM`), kills it (`SIGKILL`) when it has not ended within
        /// `grace`, and waits for it; returns its exit status as `wait` does.
        @discardableResult
        public func stop(grace: Duration = .seconds(5)) -> Int32 {
            kill(pid, SIGTERM)
            let deadline = ContinuousClock.now + grace
            var status: Int32 = 0
            while ContinuousClock.now < deadline {
                let ended = waitpid(pid, &status, WNOHANG)
                if ended == pid { return Self.exitStatus(status) }
                if ended == -1, errno != EINTR { return -1 }
                usleep(20_000)
            }
            kill(pid, SIGKILL)
            return wait()
        }

        private static func exitStatus(_ status: Int32) -> Int32 {
            (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }
    }

    /// Starts `arguments[0]` in the background with `environment`, its output discarded.
    public static func start(_ arguments: [String], environment: [String: String]) throws(LaunchFailure) -> Child {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var attributes = spawnAttributes(ownGroup: false)
        defer { posix_spawnattr_destroy(&attributes) }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw LaunchFailure(description: "cannot run \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        return Child(pid: pid)
    }

    /// Spawn attributes with a fresh signal mask and default handlers: threads here block
    /// signals, and a child that inherited that mask would see neither its own timers (pgbench
    /// -T, for one) nor a `SIGTERM`. `ownGroup` puts the child in a process group of its own.
    /// The caller destroys them.
    private static func spawnAttributes(ownGroup: Bool) -> posix_spawnattr_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        let flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (ownGroup ? POSIX_SPAWN_SETPGROUP : 0)
        posix_spawnattr_setflags(&attributes, Int16(flags))
        if ownGroup { posix_spawnattr_setpgroup(&attributes, 0) }
        return attributes
    }

    /// Runs `arguments[0]` (looked up on `PATH`) and waits for it; kills it after `timeout`.
    public static func run(_ arguments: [String], timeout: Duration? = nil) throws(LaunchFailure) -> Outcome {
        precondition(!arguments.isEmpty)
        let outputPath = NSTemporaryDirectory() + "tiktok-army-\(Crypto.randomUUID().uuidString).out"
        defer { unlink(outputPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = spawnAttributes(ownGroup: true)
        defer { posix_spawnattr_destroy(&attributes) }

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            throw LaunchFailure(description: "cannot run \(arguments[0]): \(String(cString: strerror(spawned)))")
        }

        var status: Int32 = 0
        var timedOut = false
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while true {
            let result = waitpid(pid, &status, deadline == nil ? 0 : WNOHANG)
            if result == pid { break }
            if result == -1, errno != EINTR {
                throw LaunchFailure(description: "waiting for \(arguments[0]) failed")
            }
            if let deadline, ContinuousClock.now >= deadline {
                kill(-pid, SIGKILL)
                timedOut = true
                _ = waitpid(pid, &status, 0)
                break
            }
            if deadline != nil { usleep(10_000) }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(status: exitCode, output: output, timedOut: timedOut)
    }
}
