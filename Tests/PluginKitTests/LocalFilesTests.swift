#if canImport(Glibc)
import Glibc
#endif
import PluginKit
import XCTest

/// readLocalFile and LocalFileReader on temporary files.
final class LocalFilesTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/m365-pluginkit-tests.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw XCTSkip("mkdtemp failed") }
        directory = String(cString: made)
    }

    override func tearDown() {
        if !directory.isEmpty {
            if let entries = opendir(directory) {
                while let entry = readdir(entries) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                    if name != "." && name != ".." { unlink(directory + "/" + name) }
                }
                closedir(entries)
            }
            rmdir(directory)
        }
    }

    private func write(_ name: String, _ bytes: [UInt8]) -> String {
        let path = directory + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            precondition(n > 0)
            done += n
        }
        close(fd)
        return path
    }

    /// Bytes that differ at every offset within a 251-byte period: a misplaced piece shows.
    private func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8($0 % 251) } }

    private func failure<T>(_ body: () throws(PluginFailure) -> T) -> PluginFailure? {
        do throws(PluginFailure) {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    func testReadLocalFileReadsEveryByte() throws {
        let big = pattern(200_001)  // more than the 64 KiB read buffer, not a multiple of it
        XCTAssertEqual(try readLocalFile(write("big.bin", big)), big)
        XCTAssertEqual(try readLocalFile(write("empty", [])), [])
        XCTAssertEqual(try readLocalFile(write("exact", pattern(65536))), pattern(65536))
    }

    func testReadLocalFileFailuresNameTheFile() {
        let missing = directory + "/missing.csv"
        let error = failure { () throws(PluginFailure) in try readLocalFile(missing) }
        XCTAssertEqual(error?.description, "cannot read \(missing): No such file or directory")
        XCTAssertEqual(error?.status, M365_ERR_IO)

        let folder = failure { () throws(PluginFailure) in try readLocalFile(directory) }
        XCTAssertEqual(folder?.description, "cannot read \(directory): Is a directory")
        XCTAssertEqual(folder?.status, M365_ERR_IO)
    }

    func testReaderReadsPiecesAtOffsets() throws {
        let bytes = pattern(10_000)
        let reader = try LocalFileReader(write("data.bin", bytes))
        XCTAssertEqual(reader.size, 10_000)
        XCTAssertEqual(reader.path, directory + "/data.bin")
        XCTAssertEqual(try reader.read(at: 0, count: 100), Array(bytes[0..<100]))
        XCTAssertEqual(try reader.read(at: 4_321, count: 1_000), Array(bytes[4_321..<5_321]))
        XCTAssertEqual(try reader.read(at: 9_990, count: 100), Array(bytes[9_990...]), "fewer only at the end")
        XCTAssertEqual(try reader.read(at: 10_000, count: 10), [])
        XCTAssertEqual(try reader.read(at: 20_000, count: 10), [])
        XCTAssertEqual(try reader.read(at: 5, count: 0), [])
    }

    func testReaderFillsOneBufferFromItsStart() throws {
        let bytes = pattern(1_000)
        let reader = try LocalFileReader(write("data.bin", bytes))
        var buffer = [UInt8](repeating: 0xEE, count: 300)
        XCTAssertEqual(try reader.read(at: 600, into: &buffer), 300)
        XCTAssertEqual(buffer, Array(bytes[600..<900]))
        XCTAssertEqual(try reader.read(at: 900, into: &buffer), 100)
        XCTAssertEqual(Array(buffer[0..<100]), Array(bytes[900..<1_000]))
        XCTAssertEqual(Array(buffer[100...]), Array(bytes[700..<900]), "the rest of the buffer is left as it was")
    }

    func testReaderRefusesWhatItCannotRead() {
        let missing = directory + "/none"
        let error = failure { () throws(PluginFailure) in try LocalFileReader(missing) }
        XCTAssertEqual(error?.description, "cannot read \(missing): No such file or directory")
        XCTAssertEqual(error?.status, M365_ERR_IO)

        let folder = failure { () throws(PluginFailure) in try LocalFileReader(directory) }
        XCTAssertEqual(folder?.description, "\(directory) is not a regular file")
        XCTAssertEqual(folder?.status, M365_ERR_IO)
    }
}
