#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on the token store of one config directory, held across processes
/// (flock on `<configDirectory>/tokens.lock`) and across threads of this process. It serialises
/// read-modify-write sequences such as saving a rotated refresh token.
///
/// The lock is re-entrant on the thread that holds it: the file store's `save` and `remove`
/// take it too, so they can be called inside `withExclusiveLock`.
public struct StoreLock {
    public static let fileName = "tokens.lock"

    /// Runs `body` while holding the lock. Waits for other holders at most `timeoutSeconds`
    /// (then `TokenStoreError.lockTimeout`). Errors thrown by `body` pass through unchanged;
    /// failing to take the lock throws a `TokenStoreError`.
    public static func withExclusiveLock<T>(
        configDirectory: String, timeoutSeconds: Double = 120, _ body: () throws -> T
    ) throws -> T {
        let held = try acquire(configDirectory: configDirectory, timeoutSeconds: timeoutSeconds)
        defer { release(held) }
        return try body()
    }

    /// The same with a typed error for callers in this module.
    static func locked<T>(
        configDirectory: String, _ body: () throws(TokenStoreError) -> T
    ) throws(TokenStoreError) -> T {
        let held = try acquire(configDirectory: configDirectory, timeoutSeconds: 120)
        defer { release(held) }
        return try body()
    }

    // MARK: Implementation

    private static func acquire(configDirectory: String, timeoutSeconds: Double) throws(TokenStoreError) -> LockState {
        try PrivateDirectory.ensure(configDirectory)
        let path = PrivateDirectory.canonical(configDirectory) + "/" + fileName
        let state = LockRegistry.shared.state(for: path)
        state.lockMutex()
        if state.depth == 0 {
            do throws(TokenStoreError) {
                state.descriptor = try lockFile(path, timeoutSeconds: timeoutSeconds)
            } catch {
                state.unlockMutex()
                throw error
            }
        }
        state.depth += 1
        return state
    }

    private static func release(_ state: LockState) {
        state.depth -= 1
        if state.depth == 0 {
            flock(state.descriptor, LOCK_UN)
            close(state.descriptor)
            state.descriptor = -1
        }
        state.unlockMutex()
    }

    private static func lockFile(_ path: String, timeoutSeconds: Double) throws(TokenStoreError) -> Int32 {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw TokenStoreError(.fileSystem, "Cannot open the token store lock '\(path)': \(errorText())")
        }
        // Non-blocking attempts with a growing pause, so a stopped holder (Ctrl-Z) gives a clear
        // error instead of a hang.
        let deadline = monotonicSeconds() + max(timeoutSeconds, 0)
        var pauseMicroseconds: UInt32 = 1000
        while true {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return descriptor }
            let code = errno
            if code != EWOULDBLOCK && code != EINTR {
                close(descriptor)
                throw TokenStoreError(.fileSystem, "Cannot lock '\(path)': \(errorText(code))")
            }
            if monotonicSeconds() >= deadline {
                close(descriptor)
                throw TokenStoreError(
                    .lockTimeout,
                    "Another m365 process has held the token store lock '\(path)' for more than \(Int(timeoutSeconds)) s.")
            }
            usleep(pauseMicroseconds)
            pauseMicroseconds = min(pauseMicroseconds * 2, 50_000)
        }
    }
}

/// One lock file's state in this process: a recursive mutex (threads take turns; the holding
/// thread may re-enter) and the flock'ed descriptor while held.
final class LockState: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    var depth = 0
    var descriptor: Int32 = -1

    init() {
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_RECURSIVE))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    func lockMutex() { pthread_mutex_lock(mutex) }
    func unlockMutex() { pthread_mutex_unlock(mutex) }
}

final class LockRegistry: @unchecked Sendable {
    static let shared = LockRegistry()
    private var mutex = pthread_mutex_t()
    private var states: [String: LockState] = [:]

    private init() { pthread_mutex_init(&mutex, nil) }

    func state(for path: String) -> LockState {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if let state = states[path] { return state }
        let state = LockState()
        states[path] = state
        return state
    }
}

func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// The config directory: created with mode 0700; group and other permissions are taken away
/// from an existing one, since it holds tokens.
enum PrivateDirectory {
    static func ensure(_ path: String) throws(TokenStoreError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw TokenStoreError(.fileSystem, "Cannot create the directory '\(current)': \(errorText())")
            }
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw TokenStoreError(.fileSystem, "Cannot use the directory '\(path)': \(errorText())")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw TokenStoreError(.fileSystem, "'\(path)' is not a directory.")
        }
        if info.st_mode & 0o077 != 0 && info.st_uid == getuid() {
            if chmod(path, info.st_mode & 0o700) != 0 {
                throw TokenStoreError(.fileSystem, "Cannot make '\(path)' private (mode 0700): \(errorText())")
            }
        }
    }

    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
