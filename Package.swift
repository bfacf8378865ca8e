// swift-tools-version:6.0
//
// m365: a thin host executable over small libraries cut by concern, three service plugins
// built as shared libraries, and a local tenant emulator. See README.md and docs/.
import PackageDescription

// Plugins export exactly one symbol, `m365_plugin_entry`; the version script hides the rest so
// two plugins (or a plugin and the host) never clash on a Swift symbol.
// Each plugin carries its own copy of the Swift runtime, linked statically and hidden by the same
// script (with --exclude-libs ALL): a plugin needs no Swift toolchain or runtime package where it is
// installed, and several in one process never meet (nothing Swift crosses the C ABI).
let pluginLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-static-stdlib", "-Xlinker", "--version-script=\(Context.packageDirectory)/Plugins/plugin.exports"]),
]

// The CLI's start path does without Swift Concurrency: not importing it implicitly keeps its
// runtime library (and libdispatch) out of every m365 process.
let lean: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-implicit-concurrency-module-import"]),
]

let package = Package(
    name: "m365",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "m365", targets: ["Host"]),
        .executable(name: "m365-emulator", targets: ["Emulator"]),
        .library(name: "m365-spo", type: .dynamic, targets: ["SPO", "PluginLinking"]),
        .library(name: "m365-aad", type: .dynamic, targets: ["AAD", "PluginLinking"]),
        .library(name: "m365-graph", type: .dynamic, targets: ["Graph", "PluginLinking"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.0.0"),
    ],
    targets: [
        // MARK: The one version (VERSION; make regenerates Version.swift from it).
        .target(name: "M365Version", swiftSettings: lean),

        // MARK: The stable C ABI: the header and nothing else.
        .target(name: "PluginAPI", path: "Sources/PluginAPI"),

        // MARK: Host libraries (no Foundation on the start path: see docs/architecture.md).
        .target(name: "JSONModel", swiftSettings: lean),
        // Base64, percent-encoding and MIME header lines: text encodings the host, sign-in,
        // plugins and the emulator share.
        .target(name: "TextEncodings", swiftSettings: lean),
        .target(name: "JMESPath", dependencies: ["JSONModel"], swiftSettings: lean),
        .target(name: "OutputFormat", dependencies: ["JSONModel"], swiftSettings: lean),
        .target(name: "CommandModel", dependencies: ["JSONModel"], swiftSettings: lean),
        // Downloads written beside their target and renamed when complete (host and plugins).
        .target(name: "PartialFiles", swiftSettings: lean),
        .target(name: "ArgumentParsing", dependencies: ["CommandModel", "JSONModel"], swiftSettings: lean),
        .target(name: "HostConfig", dependencies: ["JSONModel"], swiftSettings: lean),
        .target(name: "PluginLoader", dependencies: ["PluginAPI", "CommandModel", "JSONModel", "HostConfig"], swiftSettings: lean),

        // MARK: System libraries, opened with dlopen on first use (never linked: start-up budget).
        .target(name: "CCurl", path: "Sources/CCurl"),
        .target(name: "CSecret", path: "Sources/CSecret"),
        .target(name: "CCrypto", path: "Sources/CCrypto"),
        .target(name: "HTTPClient", dependencies: ["CCurl", "HostConfig", "TextEncodings"], swiftSettings: lean),
        .target(name: "TokenStore", dependencies: ["CSecret", "HostConfig", "JSONModel"], swiftSettings: lean),
        .target(name: "Credentials", dependencies: ["CCrypto", "JSONModel", "TextEncodings"], swiftSettings: lean),
        .target(name: "SignIn", dependencies: ["HTTPClient", "TokenStore", "Credentials", "JSONModel", "HostConfig", "TextEncodings"], swiftSettings: lean),
        .target(
            name: "HostKit",
            dependencies: [
                "PluginAPI", "JSONModel", "JMESPath", "OutputFormat", "CommandModel",
                "ArgumentParsing", "HostConfig", "PluginLoader", "HTTPClient", "SignIn", "TokenStore", "PartialFiles",
                "M365Version",
            ],
            swiftSettings: lean
        ),
        // The Swift runtime is linked into m365 itself: loading and relocating libswiftCore.so is
        // most of a Swift process's start-up. Plugins load their own copy; nothing Swift crosses
        // the C ABI between them, and the executable exports none of its runtime symbols.
        .executableTarget(name: "Host", dependencies: ["HostKit"], swiftSettings: lean,
                          linkerSettings: [.unsafeFlags(["-static-stdlib"])]),

        // MARK: Swift convenience layer for plugins written in Swift.
        .target(name: "PluginKit", dependencies: ["PluginAPI", "JSONModel", "CommandModel", "PartialFiles", "TextEncodings"], swiftSettings: lean),
        // Microsoft Graph for plugins: paging that streams, JSON batching, errors (AAD and Graph share it).
        .target(name: "GraphKit", dependencies: ["PluginKit"], swiftSettings: lean),

        // MARK: Service plugins (shared libraries loaded by the host through the C ABI).
        .target(name: "SPO", dependencies: ["PluginKit", "M365Version", "TextEncodings"], path: "Plugins/SPO", swiftSettings: lean),
        .target(name: "AAD", dependencies: ["PluginKit", "GraphKit", "M365Version"], path: "Plugins/AAD", swiftSettings: lean),
        .target(name: "Graph", dependencies: ["PluginKit", "GraphKit", "M365Version"], path: "Plugins/Graph", swiftSettings: lean),
        // The plugin products' linker settings, kept off the plugin targets so that unit tests can
        // depend on those: a target's linker settings reach every product linking it, and all test
        // targets are linked into one test executable (see Plugins/PluginLinking).
        .target(name: "PluginLinking", path: "Plugins/PluginLinking", swiftSettings: lean, linkerSettings: pluginLinkerSettings),

        // MARK: The local tenant emulator.
        .target(
            name: "EmulatorKit",
            dependencies: [
                "JSONModel", "TextEncodings", "M365Version",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Foundation, ICU and the Swift runtime linked in: m365-emulator runs where no Swift is
        // installed. Compiling main.swift with -static-stdlib too makes it name the static
        // libraries Foundation needs (ICU, CoreFoundation) for the linker.
        .executableTarget(name: "Emulator", dependencies: ["EmulatorKit"],
                          swiftSettings: [.unsafeFlags(["-static-stdlib"])],
                          linkerSettings: [.unsafeFlags(["-static-stdlib"])]),

        // MARK: Tests
        .testTarget(name: "JSONModelTests", dependencies: ["JSONModel"]),
        .testTarget(name: "JMESPathTests", dependencies: ["JMESPath", "JSONModel"]),
        .testTarget(name: "OutputFormatTests", dependencies: ["OutputFormat", "JSONModel"]),
        .testTarget(
            name: "CommandLineTests",
            dependencies: ["ArgumentParsing", "CommandModel", "PluginLoader", "HostConfig", "JSONModel", "HostKit"]
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "EndToEndTests", dependencies: ["JSONModel", "TestSupport"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "TestSupport"]),
        .testTarget(name: "TokenStoreTests", dependencies: ["TokenStore"]),
        .testTarget(name: "CredentialsTests", dependencies: ["Credentials", "JSONModel", "TextEncodings"]),
        .testTarget(
            name: "EmulatorTests",
            dependencies: [
                "EmulatorKit",
                "JSONModel",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            exclude: ["Fixtures"]
        ),
        // Unit tests of the plugins' pure code, which otherwise only the end-to-end tests reach.
        .testTarget(name: "PluginKitTests", dependencies: ["PluginKit"]),
        .testTarget(name: "GraphKitTests", dependencies: ["GraphKit", "PluginKit"]),
        .testTarget(name: "SPOHelpersTests", dependencies: ["SPO", "PluginKit"]),
    ]
)
