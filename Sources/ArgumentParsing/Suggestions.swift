/// Edit distance between two strings, case-insensitive: how "did you mean" picks its candidates.
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.lowercased().unicodeScalars)
    let y = Array(b.lowercased().unicodeScalars)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous = Array(0...y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        current[0] = i
        for j in 1...y.count {
            let substitution = previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[y.count]
}

/// The candidates nearest to `word`: of those within a third of the word's length (at least 2
/// edits) or that start with it, the ones at the smallest distance.
public func nearest(_ word: String, among candidates: [String], limit: Int = 3) -> [String] {
    let budget = max(2, word.count / 3)
    let lowered = word.lowercased()
    let scored = candidates.compactMap { candidate -> (String, Int)? in
        let distance = editDistance(word, candidate)
        if distance <= budget { return (candidate, distance) }
        if !lowered.isEmpty && candidate.lowercased().hasPrefix(lowered) { return (candidate, budget + 1) }
        return nil
    }
    // Only the closest: "lst" suggests "list", not everything within reach.
    guard let best = scored.map(\.1).min() else { return [] }
    var seen: Set<String> = []
    return scored.filter { $0.1 == best }
        .sorted { $0.0 < $1.0 }
        .map(\.0)
        .filter { seen.insert($0).inserted }
        .prefix(limit)
        .map { $0 }
}
