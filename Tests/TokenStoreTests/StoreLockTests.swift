import Foundation
import TokenStore
import XCTest

final class StoreLockTests: XCTestCase {
    private var temporary: TemporaryDirectory!
    private var configDirectory: String { temporary.path + "/m365" }

    override func setUp() { temporary = TemporaryDirectory() }
    override func tearDown() { temporary.remove() }

    /// Read-modify-write increments from many threads: none is lost.
    func testConcurrentThreadsLoseNoIncrement() throws {
        let threads = 8
        let rounds = 40
        let store = FileTokenStore(configDirectory: configDirectory)
        let errors = Atomic()
        let finished = Atomic()
        let directory = configDirectory
        for _ in 0..<threads {
            Thread {
                let mine = FileTokenStore(configDirectory: directory)
                for _ in 0..<rounds {
                    do {
                        try StoreLock.withExclusiveLock(configDirectory: directory) {
                            let value = Int(try mine.load("counter") ?? "0")!
                            try mine.save("counter", String(value + 1))
                        }
                    } catch { errors.add(1) }
                }
                finished.add(1)
            }.start()
        }
        let start = Date()
        while finished.value < threads && Date().timeIntervalSince(start) < 120 { usleep(5000) }
        XCTAssertEqual(finished.value, threads, "threads did not finish (deadlock?)")
        XCTAssertEqual(errors.value, 0)
        XCTAssertEqual(try store.load("counter"), String(threads * rounds))
    }

    /// The same across processes: four m365-like processes, each locking, reading, adding one and
    /// writing; the file ends with every increment and stays valid.
    func testConcurrentProcessesLoseNoIncrement() throws {
        let processes = 4
        let rounds = 40
        var children: [ChildProcess] = []
        for id in 0..<processes {
            var environment = ProcessInfo.processInfo.environment
            environment["M365_TOKENSTORE_WORKER"] = "increment"
            environment["M365_TEST_CONFIG_DIR"] = configDirectory
            environment["M365_TEST_COUNT"] = String(rounds)
            environment["M365_TEST_WORKER_ID"] = String(id)
            children.append(try ChildProcess(testExecutable(), ["TokenStoreTests.TokenStoreWorker/testWorker"], environment: environment))
        }
        for child in children { assertWorkerPassed(child.wait(seconds: 180), "increment") }
        let store = FileTokenStore(configDirectory: configDirectory)
        XCTAssertEqual(try store.load("counter"), String(processes * rounds))
        for id in 0..<processes { XCTAssertEqual(try store.load("worker-\(id)"), String(rounds)) }
    }

    /// The lock is a flock on tokens.lock that other processes respect.
    func testLockExcludesOtherProcessesUntilReleased() throws {
        let flock = try XCTUnwrap(findExecutable("flock"), "util-linux flock is missing")
        let lockFile = configDirectory + "/tokens.lock"
        try StoreLock.withExclusiveLock(configDirectory: configDirectory) {
            let held = try ChildProcess(flock, ["--nonblock", lockFile, "true"]).wait(seconds: 30)
            XCTAssertNotEqual(held.status, 0, "another process took the lock while it was held")
        }
        let free = try ChildProcess(flock, ["--nonblock", lockFile, "true"]).wait(seconds: 30)
        XCTAssertEqual(free.status, 0, "the lock was not released: \(free.output)")
    }

    /// A holder that never lets go gives a clear error after the wait limit, not a hang.
    func testWaitingForAStuckHolderEndsWithAnError() throws {
        let flock = try XCTUnwrap(findExecutable("flock"), "util-linux flock is missing")
        try FileManager.default.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
        let lockFile = configDirectory + "/tokens.lock"
        // The holder is our child itself (bash execs sleep with the locked descriptor), so
        // stopping it releases the lock.
        let bash = try XCTUnwrap(findExecutable("bash"))
        let holder = try ChildProcess(bash, ["-c", "exec 9>>\"$0\" && flock 9 && exec sleep 60", lockFile])
        defer { holder.stop() }
        // Wait until the holder has the lock.
        let start = Date()
        while Date().timeIntervalSince(start) < 20 {
            if try ChildProcess(flock, ["--nonblock", lockFile, "true"]).wait(seconds: 10).status != 0 { break }
            usleep(20_000)
        }
        var ran = false
        XCTAssertThrowsError(try StoreLock.withExclusiveLock(configDirectory: configDirectory, timeoutSeconds: 0.5) { ran = true }) { error in
            XCTAssertEqual((error as? TokenStoreError)?.kind, .lockTimeout, "\(error)")
            XCTAssertTrue("\(error)".contains(lockFile), "\(error)")
        }
        XCTAssertFalse(ran)
        // The failed attempt left this process able to lock once the holder is gone.
        holder.stop()
        XCTAssertEqual(try StoreLock.withExclusiveLock(configDirectory: configDirectory, timeoutSeconds: 20) { 42 }, 42)
    }

    /// The thread holding the lock may take it again (the file store's save does), and the
    /// body's own errors pass through unchanged.
    func testReentrantAndErrorsPassThrough() throws {
        struct BodyError: Error {}
        let store = FileTokenStore(configDirectory: configDirectory)
        let value = try StoreLock.withExclusiveLock(configDirectory: configDirectory) {
            try StoreLock.withExclusiveLock(configDirectory: configDirectory + "/") {  // the same directory, spelled differently
                try store.save("k", "v")
                return try store.load("k")
            }
        }
        XCTAssertEqual(value, "v")
        XCTAssertThrowsError(try StoreLock.withExclusiveLock(configDirectory: configDirectory) { throw BodyError() }) { error in
            XCTAssertTrue(error is BodyError, "\(error)")
        }
        // Released after the error: another process can take it.
        let flock = try XCTUnwrap(findExecutable("flock"))
        XCTAssertEqual(try ChildProcess(flock, ["--nonblock", configDirectory + "/tokens.lock", "true"]).wait(seconds: 30).status, 0)
    }
}
