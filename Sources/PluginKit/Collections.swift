import JSONModel

/// An error text from a service on one line (messages may span lines). `isNewline`, as a CRLF
/// is one Character, equal to neither "\r" nor "\n".
public func oneLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).map { String($0).trimmingSpaces }.joined(separator: " ")
}
