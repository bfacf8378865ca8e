import Foundation

/// OneDrive's `quickXorHash` (file.hashes on OneDrive for Business / SharePoint): a 160-bit
/// XOR-and-rotate digest with the length folded into its last 64 bits, base64 encoded.
/// Incremental, and a value type: an upload session keeps the state at its last committed byte
/// and a fragment updates a copy that is adopted only when the fragment arrived completely.
struct QuickXorHash: Sendable {
    private static let width = 160
    private static let shift = 11
    private var cells: (UInt64, UInt64, UInt64) = (0, 0, 0)
    private var shiftSoFar = 0
    private(set) var length: Int64 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        guard count > 0 else { return }
        var cell = [cells.0, cells.1, cells.2]
        var index = shiftSoFar / 64
        var offset = shiftSoFar % 64
        let iterations = min(count, Self.width)
        cell.withUnsafeMutableBufferPointer { c in
            for i in 0..<iterations {
                let isLast = index == 2
                let bitsInCell = isLast ? 32 : 64
                var folded: UInt8 = 0
                var j = i
                while j < count {
                    folded ^= bytes[j]
                    j += Self.width
                }
                if offset <= bitsInCell - 8 {
                    c[index] ^= UInt64(folded) << UInt64(offset)
                } else {
                    let next = isLast ? 0 : index + 1
                    c[index] ^= UInt64(folded) << UInt64(offset)
                    c[next] ^= UInt64(folded) >> UInt64(bitsInCell - offset)
                }
                offset += Self.shift
                while offset >= bitsInCell {
                    index = isLast ? 0 : index + 1
                    offset -= bitsInCell
                }
            }
        }
        cells = (cell[0], cell[1], cell[2])
        shiftSoFar = (shiftSoFar + Self.shift * (count % Self.width)) % Self.width
        length += Int64(count)
    }

    mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// The base64 digest (27 characters plus `=`).
    var base64: String {
        var out = [UInt8](repeating: 0, count: 20)
        for (i, v) in [cells.0, cells.1].enumerated() {
            for b in 0..<8 { out[i * 8 + b] = UInt8(truncatingIfNeeded: v >> UInt64(8 * b)) }
        }
        for b in 0..<4 { out[16 + b] = UInt8(truncatingIfNeeded: cells.2 >> UInt64(8 * b)) }
        let len = UInt64(bitPattern: length)
        for b in 0..<8 { out[12 + b] ^= UInt8(truncatingIfNeeded: len >> UInt64(8 * b)) }
        return Data(out).base64EncodedString()
    }
}
