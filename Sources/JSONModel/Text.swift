// A string helper every module needs: JSONModel is linked by all of them.

extension String {
    /// The string without leading and trailing white space.
    public var trimmingSpaces: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}
