import Foundation
import XCTest

/// The loader, through the real binary and real plugin files: what is accepted, what is refused
/// and why, and that a refusal never takes other services down.
final class PluginLoaderTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness()
    }

    override func tearDown() {
        harness.cleanUp()
    }

    private func pluginList() throws -> [[String: Any]] {
        let result = try harness.run(["plugin", "list"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(try result.json() as? [[String: Any]])
    }

    private func row(_ file: String) throws -> [String: Any] {
        try XCTUnwrap(try pluginList().first { $0["file"] as? String == file }, "\(file) is not listed")
    }

    /// Builds a variant plugin (Tests/Fixtures/plugin-variants.c) into the plugin directory.
    @discardableResult
    private func variant(_ file: String, _ flags: [String]) throws -> URL {
        try Harness.compileCPlugin(
            into: harness.pluginDirectory, name: file, extraFlags: flags,
            source: Harness.packageRoot + "/Tests/Fixtures/plugin-variants.c")
    }

    /// A refused plugin is listed with its reason, its service fails with exit 3 naming the
    /// reason, and the other services keep working.
    private func assertRefused(_ file: String, service: String, reason: String, line: UInt = #line) throws {
        let listed = try row(file)
        XCTAssertEqual(listed["status"] as? String, "refused", line: line)
        let listedReason = listed["reason"] as? String ?? ""
        XCTAssertTrue(listedReason.contains(reason), "reason was: \(listedReason)", line: line)

        let used = try harness.run([service, "ping"])
        XCTAssertEqual(used.status, 3, used.stderr, line: line)
        XCTAssertTrue(used.stderr.hasPrefix("Error: "), used.stderr, line: line)
        XCTAssertTrue(used.stderr.contains(reason), used.stderr, line: line)
        XCTAssertEqual(used.stderr.split(separator: "\n").count, 1, "one line: \(used.stderr)", line: line)

        let other = try harness.run(["spo", "status"])
        XCTAssertEqual(other.status, 0, other.stderr, line: line)
        let healthy = try harness.run(["good", "ping"])
        XCTAssertEqual(healthy.status, 0, healthy.stderr, line: line)
        XCTAssertEqual(try healthy.json() as? [String: String], ["pong": "good"], line: line)
    }

    private func addHealthyNeighbour() throws {
        try variant("libm365-good.so", ["-DSERVICE=\"good\""])
    }

    func testOurPluginsRegisterTheirServices() throws {
        let rows = try pluginList()
        XCTAssertEqual(rows.map { $0["file"] as? String }, ["libm365-aad.so", "libm365-graph.so", "libm365-spo.so"])
        XCTAssertTrue(rows.allSatisfy { $0["status"] as? String == "available" })
        let aad = try row("libm365-aad.so")
        XCTAssertEqual(aad["services"] as? String, "entra (aad)")
        XCTAssertEqual(aad["id"] as? String, "com.m365.aad")
        let graph = try row("libm365-graph.so")
        XCTAssertEqual(graph["services"] as? String, "graph, teams, outlook, planner, onedrive, todo")
        for service in ["spo", "aad", "entra", "graph", "teams"] {
            let help = try harness.run([service, "-h"])
            XCTAssertEqual(help.status, 0, help.stderr)
            XCTAssertTrue(help.stdout.contains("m365 \(service == "aad" ? "entra" : service) connect"), help.stdout)
        }
    }

    func testAnotherABIMajorIsRefused() throws {
        try addHealthyNeighbour()
        try variant("libm365-future.so", ["-DSERVICE=\"future\"", "-DABI_MAJOR=2"])
        try assertRefused("libm365-future.so", service: "future", reason: "built for plugin ABI 2.0")
    }

    func testMissingEntrySymbolIsRefused() throws {
        try addHealthyNeighbour()
        try variant("libm365-noentry.so", ["-DNO_ENTRY"])
        try assertRefused("libm365-noentry.so", service: "noentry", reason: "has no entry symbol m365_plugin_entry")
    }

    func testNullEntryTableIsRefused() throws {
        try addHealthyNeighbour()
        try variant("libm365-nulltable.so", ["-DSERVICE=\"nulltable\"", "-DNULL_ENTRY"])
        try assertRefused("libm365-nulltable.so", service: "nulltable", reason: "returned NULL")
    }

    func testTooSmallStructIsRefused() throws {
        try addHealthyNeighbour()
        try variant("libm365-small.so", ["-DSERVICE=\"small\"", "-DSTRUCT_SIZE=12"])
        try assertRefused("libm365-small.so", service: "small", reason: "declares struct_size 12")
    }

    func testMalformedDescriptorIsRefused() throws {
        try addHealthyNeighbour()
        try variant("libm365-badjson.so", ["-DSERVICE=\"badjson\"", "-DBAD_JSON"])
        try assertRefused("libm365-badjson.so", service: "badjson", reason: "malformed descriptor: the descriptor is not valid JSON")
        try variant("libm365-badschema.so", ["-DSERVICE=\"badschema\"", "-DBAD_SCHEMA"])
        try assertRefused("libm365-badschema.so", service: "badschema", reason: "malformed descriptor: services[0].commands[0].options[0]: an enum option needs \"allowed\" values")
    }

    func testTwoPluginsClaimingOneServiceAreBothNamed() throws {
        try addHealthyNeighbour()
        try variant("libm365-twin-a.so", ["-DSERVICE=\"twin\""])
        try variant("libm365-twin-b.so", ["-DSERVICE=\"twin\""])
        let used = try harness.run(["twin", "ping"])
        XCTAssertEqual(used.status, 3)
        XCTAssertTrue(used.stderr.contains("libm365-twin-a.so"), used.stderr)
        XCTAssertTrue(used.stderr.contains("libm365-twin-b.so"), used.stderr)
        XCTAssertTrue(used.stderr.contains("claimed by more than one plugin"), used.stderr)
        XCTAssertEqual(try row("libm365-twin-a.so")["status"] as? String, "conflict")
        XCTAssertEqual(try harness.run(["good", "ping"]).status, 0)
        XCTAssertEqual(try harness.run(["spo", "status"]).status, 0)
    }

    func testPluginFileWritableByOthersIsRefused() throws {
        try addHealthyNeighbour()
        let file = try variant("libm365-open.so", ["-DSERVICE=\"open\""])
        XCTAssertEqual(chmod(file.path, 0o666), 0)
        try assertRefused("libm365-open.so", service: "open", reason: "is writable by other users")
    }

    func testPluginDirectoryWritableByOthersIsRefused() throws {
        // A second directory through M365_PLUGIN_PATH, writable by everyone: its plugins are
        // refused; the install directory's plugins keep working.
        let shared = harness.root.appendingPathComponent("shared-plugins")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        try Harness.compileCPlugin(into: shared, name: "libm365-open.so", extraFlags: ["-DSERVICE=\"open\""],
                                   source: Harness.packageRoot + "/Tests/Fixtures/plugin-variants.c")
        XCTAssertEqual(chmod(shared.path, 0o777), 0)
        try addHealthyNeighbour()
        var h = harness!
        h.environment["M365_PLUGIN_PATH"] = shared.path
        harness = h
        try assertRefused("libm365-open.so", service: "open", reason: "plugin directory \(shared.path) is writable by other users")
    }

    func testAFileThatIsNotASharedLibraryIsRefused() throws {
        try addHealthyNeighbour()
        let path = harness.pluginDirectory.appendingPathComponent("libm365-text.so").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("just text\n".utf8), attributes: [.posixPermissions: 0o644]))
        try assertRefused("libm365-text.so", service: "text", reason: "not a shared library")
    }

    func testAServiceMayNotTakeAnM365CommandsName() throws {
        try addHealthyNeighbour()
        try variant("libm365-login.so", ["-DSERVICE=\"login\""])
        let help = try harness.run(["login", "-h"])
        XCTAssertTrue(help.stdout.contains("Signs in to Microsoft 365"), "m365's own login stays: \(help.stdout)")
        let listed = try row("libm365-login.so")
        XCTAssertEqual(listed["status"] as? String, "conflict")
        XCTAssertTrue((listed["reason"] as? String ?? "").contains("would hide the m365 command 'login'"), "\(listed)")
        XCTAssertEqual(try harness.run(["good", "ping"]).status, 0)
    }

    func testAMistypedOptionOfAnInstalledServiceIsAUsageError() throws {
        let result = try harness.run(["spo", "status", "--bogus"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("Error: Invalid option '--bogus'"), result.stderr)
    }

    func testRelativePluginPathsAreIgnored() throws {
        try FileManager.default.createDirectory(at: harness.root.appendingPathComponent("rel"), withIntermediateDirectories: true)
        try Harness.compileCPlugin(into: harness.root.appendingPathComponent("rel"), name: "libm365-rel.so", extraFlags: ["-DSERVICE=\"rel\""],
                                   source: Harness.packageRoot + "/Tests/Fixtures/plugin-variants.c")
        // The harness runs m365 in its root directory, where "rel" exists.
        XCTAssertEqual(try harness.run(["rel", "ping"], environment: ["M365_PLUGIN_PATH": "rel"]).status, 2)
    }

    func testFilesOutsideTheNamingRuleAreIgnored() throws {
        try variant("widgets.so", ["-DSERVICE=\"stray\""])
        let result = try harness.run(["plugin", "list"], environment: ["M365_DEBUG": "plugins"])
        XCTAssertFalse(result.stdout.contains("widgets.so"))
        XCTAssertTrue(result.stderr.contains("widgets.so: ignored, the name does not follow libm365-<name>.so"), result.stderr)
        XCTAssertEqual(try harness.run(["stray", "ping"]).status, 2)
    }

    func testDeletingSPOPluginRemovesOnlySPO() throws {
        XCTAssertEqual(try harness.run(["spo", "status"]).status, 0)
        try FileManager.default.removeItem(at: harness.pluginDirectory.appendingPathComponent("libm365-spo.so"))
        let spo = try harness.run(["spo", "status"])
        XCTAssertEqual(spo.status, 3)
        // The index remembers which file provided the service.
        XCTAssertTrue(spo.stderr.contains("'spo' was provided by the plugin libm365-spo.so, which is no longer installed"), spo.stderr)
        for service in ["aad", "entra", "graph"] {
            let status = try harness.run([service, "status"])
            XCTAssertEqual(status.status, 0, "\(service): \(status.stderr)")
        }
        // Deleted before any run remembered it: no installed plugin provides the service.
        let fresh = try Harness(plugins: ["libm365-aad.so"])
        defer { fresh.cleanUp() }
        let unknown = try fresh.run(["spo", "web", "get"])
        XCTAssertEqual(unknown.status, 2, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("No installed plugin provides a service 'spo': run 'm365 plugin list'"), unknown.stderr)
        let help = try harness.run(["--help"])
        XCTAssertFalse(help.stdout.contains("\n  spo "), help.stdout)
        XCTAssertTrue(help.stdout.contains("\n  entra "), help.stdout)
    }

    // MARK: Crash isolation (a plugin's code runs in a child process while it is probed)

    /// A plugin that crashes as it loads (in a constructor, or in its entry function) or hangs
    /// there is refused with that reason; every command that reads the catalog keeps working,
    /// and the refusal is remembered until the file changes.
    func testAPluginThatCrashesOrHangsWhileLoadingIsRefusedNotFatal() throws {
        try addHealthyNeighbour()
        try variant("libm365-boom.so", ["-DSERVICE=\"boom\"", "-DCRASH_IN_CONSTRUCTOR"])
        try variant("libm365-bang.so", ["-DSERVICE=\"bang\"", "-DCRASH_IN_ENTRY"])
        try variant("libm365-stuck.so", ["-DSERVICE=\"stuck\"", "-DHANG_IN_ENTRY"])
        let help = try harness.run(["--help"])
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertTrue(help.stdout.contains("Refused: libm365-boom.so: crashed while loading (SIGSEGV)"), help.stdout)
        XCTAssertTrue(help.stdout.contains("Refused: libm365-stuck.so: hung while loading (no answer within 5 s)"), help.stdout)
        try assertRefused("libm365-boom.so", service: "boom", reason: "crashed while loading (SIGSEGV)")
        try assertRefused("libm365-bang.so", service: "bang", reason: "crashed while loading (SIGSEGV)")
        try assertRefused("libm365-stuck.so", service: "stuck", reason: "hung while loading")
        for command in [["spo", "-h"], ["plugin", "list"], ["__complete", "--", "sp"]] {
            XCTAssertEqual(try harness.run(command).status, 0, "\(command)")
        }
        // Remembered: the next runs do not probe it again …
        let traced = try harness.run(["plugin", "list"], environment: ["M365_DEBUG": "plugins"])
        XCTAssertTrue(traced.stderr.contains("libm365-boom.so: refused: crashed while loading (SIGSEGV) (from the index)"), traced.stderr)
        // … until the file is replaced.
        try variant("libm365-boom.so", ["-DSERVICE=\"boom\""])
        let healed = try harness.run(["boom", "ping"])
        XCTAssertEqual(healed.status, 0, healed.stderr)
        XCTAssertEqual(try healed.json() as? [String: String], ["pong": "boom"])
    }

    /// A plugin that crashes while running a command: one line naming it and the command, the
    /// documented exit code, and the runtime's report only under --debug.
    func testAPluginThatCrashesWhileRunningIsNamedInOneLine() throws {
        try variant("libm365-fragile.so", ["-DSERVICE=\"fragile\"", "-DCRASH_IN_RUN"])
        let result = try harness.run(["fragile", "ping"])
        XCTAssertEqual(result.status, 4, result.stderr)
        XCTAssertEqual(result.stderr, "Error: plugin libm365-fragile.so (tests, 0.0.1) crashed (SIGSEGV) while running 'fragile ping'\n")
        XCTAssertEqual(result.stdout, "")
        let debug = try harness.run(["fragile", "ping", "--debug"])
        XCTAssertNotEqual(debug.status, 0)
        XCTAssertTrue(debug.stderr.contains("Error: plugin libm365-fragile.so (tests, 0.0.1) crashed (SIGSEGV) while running 'fragile ping'\n"), debug.stderr)
        XCTAssertGreaterThan(debug.stderr.split(separator: "\n").count, 1, "--debug keeps the crash report")
        XCTAssertTrue(try harness.run(["help", "exit-codes"]).stdout.contains("4    the plugin crashed while running the command"))
    }

    // MARK: Trust: links, ancestors, tiers

    /// A link in a plugin directory is judged by what it points to: into a directory anyone may
    /// write to, it is refused.
    func testALinkIntoADirectoryWritableByOthersIsRefused() throws {
        try addHealthyNeighbour()
        let open = harness.root.appendingPathComponent("open")
        try FileManager.default.createDirectory(at: open, withIntermediateDirectories: true)
        try Harness.compileCPlugin(into: open, name: "libm365-linked.so", extraFlags: ["-DSERVICE=\"linked\""],
                                   source: Harness.packageRoot + "/Tests/Fixtures/plugin-variants.c")
        XCTAssertEqual(chmod(open.path, 0o777), 0)
        try FileManager.default.createSymbolicLink(at: harness.pluginDirectory.appendingPathComponent("libm365-linked.so"),
                                                   withDestinationURL: open.appendingPathComponent("libm365-linked.so"))
        try assertRefused("libm365-linked.so", service: "linked", reason: "plugin directory \(open.path) is writable by other users")
        // A link into a trusted directory is fine.
        XCTAssertEqual(chmod(open.path, 0o755), 0)
        XCTAssertEqual(try row("libm365-linked.so")["status"] as? String, "available")
    }

    /// A plugin below a directory everyone may write to (and not sticky) is refused, even when
    /// its own directory is not writable: the directory above could be swapped.
    func testAPluginBelowAWorldWritableAncestorIsRefused() throws {
        try addHealthyNeighbour()
        let open = harness.root.appendingPathComponent("open-parent")
        let plugins = open.appendingPathComponent("nested/plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try Harness.compileCPlugin(into: plugins, name: "libm365-deep.so", extraFlags: ["-DSERVICE=\"deep\""],
                                   source: Harness.packageRoot + "/Tests/Fixtures/plugin-variants.c")
        XCTAssertEqual(chmod(open.path, 0o777), 0)
        var h = harness!
        h.environment["M365_PLUGIN_PATH"] = plugins.path
        harness = h
        try assertRefused("libm365-deep.so", service: "deep", reason: "the directory \(open.path) above the plugin is writable by everyone (mode 777)")
        // Sticky and root's, as /tmp is: fine.
        XCTAssertEqual(chmod(open.path, 0o1777), 0)
        XCTAssertEqual(try row("libm365-deep.so")["status"] as? String, geteuid() == 0 ? "available" : "refused")
    }

    /// A plugin in a user directory may not take a service an installed plugin provides: the
    /// installed one wins and the other is refused, saying why. A file shadowed by one of the
    /// same name in an earlier directory is listed too.
    func testAUserPluginCannotTakeAnInstalledService() throws {
        let user = harness.home.appendingPathComponent("share/m365/plugins")
        try FileManager.default.createDirectory(at: user, withIntermediateDirectories: true)
        try Harness.compileCPlugin(into: user, name: "libm365-myspo.so", extraFlags: ["-DSERVICE=\"spo\""],
                                   source: Harness.packageRoot + "/Tests/Fixtures/plugin-variants.c")
        try Harness.compileCPlugin(into: user, name: "libm365-aad.so", extraFlags: ["-DSERVICE=\"other\""],
                                   source: Harness.packageRoot + "/Tests/Fixtures/plugin-variants.c")
        let mine = try XCTUnwrap(try pluginList().first { $0["path"] as? String == user.appendingPathComponent("libm365-myspo.so").path })
        XCTAssertEqual(mine["status"] as? String, "refused")
        XCTAssertEqual(mine["reason"] as? String, "service 'spo' is already provided by \(harness.pluginDirectory.appendingPathComponent("libm365-spo.so").path)")
        let shadowed = try XCTUnwrap(try pluginList().first { $0["path"] as? String == user.appendingPathComponent("libm365-aad.so").path })
        XCTAssertEqual(shadowed["status"] as? String, "refused")
        XCTAssertEqual(shadowed["reason"] as? String, "shadowed: \(harness.pluginDirectory.appendingPathComponent("libm365-aad.so").path) has the same name and is used instead")
        let spo = try harness.run(["spo", "status"])
        XCTAssertEqual(spo.status, 0, spo.stderr)
        XCTAssertEqual(try harness.run(["aad", "status"]).status, 0)
    }

    /// Only the named service's commands are read: a large plugin's descriptor stays in its
    /// own cache file, so `m365 spo -h` never reads it (the start-up benchmark measures the time).
    func testOnlyTheNamedServicesCommandsAreRead() throws {
        XCTAssertEqual(try harness.run(["plugin", "list"]).status, 0)
        let cache = harness.home.appendingPathComponent("m365/cache")
        let index = try String(contentsOf: cache.appendingPathComponent("plugin-index.json"), encoding: .utf8)
        XCTAssertFalse(index.contains("\"options\""), "the index holds no commands")
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent("descriptors").path)
        XCTAssertEqual(descriptors.count, 3)
        // A damaged descriptor file is probed again, not fatal.
        for name in descriptors { try "{".write(to: cache.appendingPathComponent("descriptors/\(name)"), atomically: true, encoding: .utf8) }
        let help = try harness.run(["spo", "web", "get", "-h"])
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertTrue(help.stdout.contains("--url"), help.stdout)
    }

    /// Whether the loader's trace has the line for `plugin` (any version) ending with `how`.
    func traced(_ stderr: String, _ plugin: String, services: String, _ how: String) -> Bool {
        stderr.split(separator: "\n").contains { $0.contains("libm365-\(plugin).so: accepted com.m365.\(plugin) ") && $0.hasSuffix("services: \(services) \(how)") }
    }

    func testDebugTraceExplainsDecisionsAndTheIndexAvoidsReopening() throws {
        let first = try harness.run(["plugin", "list"], environment: ["M365_DEBUG": "plugins"])
        XCTAssertTrue(traced(first.stderr, "spo", services: "spo, spp", "(opened to read its descriptor)"), first.stderr)
        XCTAssertTrue(first.stderr.contains("index "), first.stderr)
        let second = try harness.run(["plugin", "list"], environment: ["M365_DEBUG": "plugins"])
        XCTAssertTrue(traced(second.stderr, "spo", services: "spo, spp", "(from the index)"), second.stderr)
        XCTAssertFalse(second.stderr.contains("opened to read its descriptor"), second.stderr)
        // A changed file is opened again.
        let spo = harness.pluginDirectory.appendingPathComponent("libm365-spo.so").path
        var times = [timespec(tv_sec: 1_700_000_000, tv_nsec: 0), timespec(tv_sec: 1_700_000_000, tv_nsec: 0)]
        XCTAssertEqual(utimensat(AT_FDCWD, spo, &times, 0), 0)
        let third = try harness.run(["plugin", "list"], environment: ["M365_DEBUG": "plugins"])
        XCTAssertTrue(traced(third.stderr, "spo", services: "spo, spp", "(opened to read its descriptor)"), third.stderr)
        XCTAssertTrue(traced(third.stderr, "aad", services: "entra", "(from the index)"), "an unchanged plugin stays in the index: \(third.stderr)")
    }

    func testAServiceCommandLoadsOnlyItsPlugin() throws {
        // Warm the index, then break the other plugins' files in place (same size, mtime kept):
        // a command of one service must succeed without opening the others.
        _ = try harness.run(["plugin", "list"])
        try variant("libm365-good.so", ["-DSERVICE=\"good\""])
        _ = try harness.run(["plugin", "list"])
        let result = try harness.run(["good", "ping"], environment: ["M365_DEBUG": "plugins", "LD_DEBUG": "files"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("libm365-good.so"), result.stderr)
        let opened = result.stderr.split(separator: "\n").filter { $0.contains("file=") && $0.contains("libm365-") && $0.contains("[0];  dynamically loaded") }
        XCTAssertEqual(opened.count, 1, opened.joined(separator: "\n"))
    }

    // MARK: plugin check

    private func check(_ path: String) throws -> (status: Int32, rows: [String: [String: String]], stderr: String) {
        let result = try harness.run(["plugin", "check", path])
        let rows = try XCTUnwrap(try result.json() as? [[String: String]], result.stdout + result.stderr)
        var byName: [String: [String: String]] = [:]
        for row in rows { byName[row["check"] ?? ""] = row }
        XCTAssertEqual(rows.map { $0["check"] ?? "" }, ["file name", "regular file", "permissions", "ELF shared library", "loads in a child process",
                                                      "entry symbol", "entry table", "descriptor", "services"])
        return (result.status, byName, result.stderr)
    }

    /// `plugin check` applies every loader rule to one file and says which held: a good plugin
    /// passes them all (exit 0); each kind of fault fails its own check, later checks that
    /// depend on it are skipped, and the run ends with one error line and exit 1.
    func testPluginCheckNamesEveryRuleAndWhichFails() throws {
        let scratch = harness.root.appendingPathComponent("check")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)
        func build(_ name: String, _ flags: [String]) throws -> String {
            try Harness.compileCPlugin(into: scratch, name: name, extraFlags: flags,
                                       source: Harness.packageRoot + "/Tests/Fixtures/plugin-variants.c").path
        }
        let good = try check(try build("libm365-fresh.so", ["-DSERVICE=\"fresh\""]))
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertEqual(good.rows.values.filter { $0["result"] != "passed" }.count, 0, "\(good.rows)")
        XCTAssertEqual(good.rows["descriptor"]?["detail"], "1 service, 1 command")
        XCTAssertTrue(good.rows["entry table"]?["detail"]?.hasPrefix("com.example.fresh ") == true, "\(good.rows)")

        let expectations: [(file: String, flags: [String], failing: String, detail: String)] = [
            ("libm365-crash.so", ["-DSERVICE=\"crash\"", "-DCRASH_IN_ENTRY"], "loads in a child process", "crashed while loading (SIGSEGV)"),
            ("libm365-noentry.so", ["-DNO_ENTRY"], "entry symbol", "has no entry symbol m365_plugin_entry"),
            ("libm365-future.so", ["-DSERVICE=\"future\"", "-DABI_MAJOR=2"], "entry table", "built for plugin ABI 2."),
            ("libm365-badjson.so", ["-DSERVICE=\"badjson\"", "-DBAD_JSON"], "descriptor", "malformed descriptor"),
            ("libm365-spo.so", ["-DSERVICE=\"spo\""], "services", "service 'spo' is already provided by"),
            ("libm365-login.so", ["-DSERVICE=\"login\""], "services", "service 'login' would hide the m365 command 'login'"),
            ("Widgets.so", ["-DSERVICE=\"widgetz\""], "file name", "does not follow libm365-<name>.so"),
        ]
        for expected in expectations {
            let path = try build(expected.file, expected.flags)
            let result = try check(path)
            XCTAssertEqual(result.status, 1, expected.file)
            XCTAssertEqual(result.rows[expected.failing]?["result"], "failed", "\(expected.file): \(result.rows)")
            XCTAssertTrue(result.rows[expected.failing]?["detail"]?.contains(expected.detail) == true, "\(expected.file): \(result.rows)")
            XCTAssertEqual(result.rows.values.filter { $0["result"] == "failed" }.count, 1, "\(expected.file): \(result.rows)")
            XCTAssertEqual(result.stderr, "Error: \(path) fails 1 of 9 checks: m365 would not load it\n")
        }
        // A file others may write: the permission check fails and the rest still run.
        let open = try build("libm365-open.so", ["-DSERVICE=\"open\""])
        chmod(open, 0o666)
        let opened = try check(open)
        XCTAssertEqual(opened.rows["permissions"]?["result"], "failed")
        XCTAssertTrue(opened.rows["permissions"]?["detail"]?.contains("is writable by other users (mode 666)") == true, "\(opened.rows)")
        XCTAssertEqual(opened.rows["descriptor"]?["result"], "passed")
        // Not a plugin at all, and no file.
        let text = scratch.appendingPathComponent("libm365-text.so")
        try Data("hello".utf8).write(to: text)
        let notELF = try check(text.path)
        XCTAssertEqual(notELF.rows["ELF shared library"]?["result"], "failed")
        XCTAssertEqual(notELF.rows["descriptor"]?["result"], "skipped")
        let missing = try check(scratch.appendingPathComponent("libm365-none.so").path)
        XCTAssertEqual(missing.rows["regular file"]?["detail"], "no such file")
        XCTAssertEqual(missing.status, 1)
    }
}
