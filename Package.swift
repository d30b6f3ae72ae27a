// swift-tools-version:6.0
import PackageDescription

#if canImport(Glibc)
    import Glibc
#endif

/// Whether the building machine's glibc (and so the image's, built on the same release) loads
/// packed relative relocations: 2.36 and later. Declared before `releaseLink`, which reads it:
/// a manifest's top-level values are set in the order they appear.
let glibcReadsPackedRelocations: Bool = {
    #if canImport(Glibc)
        var text = [CChar](repeating: 0, count: 64)
        guard confstr(Int32(_CS_GNU_LIBC_VERSION), &text, text.count) > 0 else { return false }
        // "glibc 2.36"
        let name = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let version = name.split(separator: " ").last?.split(separator: ".").compactMap { Int($0) } ?? []
        return version.count >= 2 && (version[0], version[1]) >= (2, 36)
    #else
        return false
    #endif
}()

/// How the two executables are linked in release on Linux, for the memory an idle server keeps:
/// - lld places the functions the server runs from its start until idle together, in the order
///   of `Sources/App/startup-order.txt` (`scripts/startup-order.sh` writes it); scattered, the
///   page faults of start-up map most of the binary's code.
/// - No shared library looks up the executable's own symbols: exporting them all (the static
///   standard library's default) keeps about 2 MB more resident.
/// - The relative relocations packed (`DT_RELR`, read by glibc 2.36 and later) instead of 2.8 MB
///   of a table read once at start.
let releaseLink: [LinkerSetting] = {
    var flags = [
        "-use-ld=lld", "-Xlinker", "--no-export-dynamic",
        "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Sources/App/startup-order.txt",
        "-Xlinker", "--no-warn-symbol-ordering",
    ]
    if glibcReadsPackedRelocations { flags += ["-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"] }
    return [.unsafeFlags(flags, .when(platforms: [.linux], configuration: .release))]
}()

let package = Package(
    name: "tiktok-army",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tiktok-army", targets: ["App"]),
        .executable(name: "tiktok-army-bench", targets: ["Benchmark"]),
        .library(name: "Core", targets: ["Core"]),
        .library(name: "Persistence", targets: ["Persistence"]),
        .library(name: "Providers", targets: ["Providers"]),
        .library(name: "Agents", targets: ["Agents"]),
        .library(name: "Orchestrator", targets: ["Orchestrator"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
    ],
    targets: [
        // MARK: - C shims
        .systemLibrary(
            name: "CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]),

        // MARK: - Domain
        .target(
            name: "Core",
            dependencies: ["COpenSSL", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "CoreTests", dependencies: ["Core", "TestSupport"]),

        // MARK: - Outside world
        .target(
            name: "Persistence",
            dependencies: [
                "Core", "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(name: "PersistenceTests", dependencies: ["Persistence", "Core", "TestSupport"]),

        .target(
            name: "Providers",
            dependencies: ["Core", "CCurl", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "ProvidersTests",
            dependencies: ["Providers", "Core", "TestSupport", .product(name: "HummingbirdTesting", package: "hummingbird")]),

        // MARK: - Contract
        /// `openapi.yaml` and the types and server protocol generated from it at build time.
        .target(
            name: "APIContract",
            dependencies: ["Core", .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            resources: [.copy("openapi.yaml")],
            swiftSettings: [.enableUpcomingFeature("InternalImportsByDefault")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]),
        .testTarget(name: "APIContractTests", dependencies: ["APIContract", "Core"]),

        // MARK: - Application
        .target(name: "Agents", dependencies: ["Core", "Providers", "Persistence"]),
        .testTarget(name: "AgentsTests", dependencies: ["Agents", "Core", "Persistence", "Providers", "TestSupport"]),

        .target(
            name: "Orchestrator",
            dependencies: ["Agents", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .testTarget(
            name: "OrchestratorTests", dependencies: ["Orchestrator", "Agents", "Core", "Persistence", "Providers", "TestSupport"]),

        .target(
            name: "HTTPServer",
            dependencies: [
                "Orchestrator", "APIContract",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Ink", package: "Ink"),
            ],
            resources: [.copy("Resources")]),
        .testTarget(
            name: "HTTPServerTests",
            dependencies: [
                "HTTPServer", "APIContract", "Orchestrator", "Agents", "Core", "Persistence", "Providers", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),

        // MARK: - Test helpers
        /// What every test target shares: the embedded test database, the loopback fake server,
        /// waiting without sleeps, and `openssl` as an independent reference.
        .target(
            name: "TestSupport",
            dependencies: [
                "Core", "Persistence", "Providers",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/Support"),

        // MARK: - Executable
        .executableTarget(
            name: "App",
            dependencies: [
                "HTTPServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            exclude: ["startup-order.txt"],
            linkerSettings: releaseLink),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App", "HTTPServer", "Orchestrator", "Agents", "Core", "Persistence", "Providers", "TestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "Benchmark",
            dependencies: [
                "HTTPServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: releaseLink),
    ],
    swiftLanguageModes: [.v6]
)
