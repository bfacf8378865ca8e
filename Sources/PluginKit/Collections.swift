import JSONModel

/// An error text from a service on one line (messages may span lines).
public func oneLine(_ text: String) -> String {
    text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { String($0).trimmingSpaces }.joined(separator: " ")
}
