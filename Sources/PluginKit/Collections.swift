import JSONModel

/// An error text from a service on one line (messages may span lines). `isNewline`, as a CRLF
/// is one Character, equal to neither "\r" nor "\n".
public func oneLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).map { String($0).trimmingSpaces }.joined(separator: " ")
}

extension String {
    /// The range of the first occurrence of `needle` (plugins avoid Foundation).
    public func range(of needle: String) -> Range<String.Index>? {
        guard !needle.isEmpty else { return nil }
        var start = startIndex
        while start < endIndex {
            if self[start...].hasPrefix(needle) { return start..<index(start, offsetBy: needle.count) }
            start = index(after: start)
        }
        return nil
    }

    /// What follows the first occurrence of `needle`, compared without case; nil without one.
    public func after(caseInsensitive needle: String) -> Substring? {
        let lower = lowercased()
        guard lower.count == count, let found = lower.range(of: needle.lowercased()) else { return nil }
        return self[index(startIndex, offsetBy: lower.distance(from: lower.startIndex, to: found.upperBound))...]
    }
}
