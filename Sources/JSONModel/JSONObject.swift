/// An ordered JSON object: iteration follows insertion order (the server's order),
/// while `==` ignores order, as JSON (and JMESPath) equality requires.
public struct JSONObject: Sendable {
    public typealias Element = (key: String, value: JSON)

    @usableFromInline var storage: [Element] = []
    /// Key → position, built only for objects big enough that a linear scan would hurt.
    @usableFromInline var index: [String: Int]? = nil

    @usableFromInline static let indexThreshold = 12

    public init() {}

    /// Builds an object from pairs in order; a repeated key keeps its first position and its last value
    /// (what `JSON.parse` does in JavaScript).
    public init(_ pairs: [(String, JSON)]) {
        storage.reserveCapacity(pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    public var keys: [String] { storage.map(\.key) }
    public var values: [JSON] { storage.map(\.value) }
    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    @inlinable
    func position(of key: String) -> Int? {
        if let index { return index[key] }
        for i in storage.indices where storage[i].key == key { return i }
        return nil
    }

    /// Reading a missing key gives nil; setting a new key appends it; setting nil removes the key.
    public subscript(key: String) -> JSON? {
        get {
            guard let i = position(of: key) else { return nil }
            return storage[i].value
        }
        set {
            if let i = position(of: key) {
                if let newValue {
                    storage[i].value = newValue
                } else {
                    storage.remove(at: i)
                    rebuildIndex()
                }
            } else if let newValue {
                storage.append((key, newValue))
                if index != nil {
                    index![key] = storage.count - 1
                } else if storage.count > Self.indexThreshold {
                    rebuildIndex()
                }
            }
        }
    }

    /// Removes `key`, returning its old value.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSON? {
        let old = self[key]
        self[key] = nil
        return old
    }

    private mutating func rebuildIndex() {
        guard storage.count > Self.indexThreshold else { index = nil; return }
        var map = [String: Int](minimumCapacity: storage.count)
        for (i, e) in storage.enumerated() { map[e.key] = i }
        index = map
    }
}

extension JSONObject: Sequence {
    public func makeIterator() -> IndexingIterator<[Element]> { storage.makeIterator() }
    public var underestimatedCount: Int { storage.count }
}

extension JSONObject: Equatable {
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (k, v) in lhs.storage {
            guard let other = rhs[k], other == v else { return false }
        }
        return true
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSON)...) { self.init(elements) }
}
