/// A first-in, first-out queue over an array: taking from the front moves an index instead of
/// shifting the array, and the taken places are dropped once they are most of it, so a queue
/// that never empties (a long overload) does not keep everything it ever held. Not thread-safe:
/// its owner guards it.
struct FIFO<Element> {
    private var elements: [Element] = []
    private var head = 0

    /// How many are queued.
    var count: Int { elements.count - head }

    var isEmpty: Bool { head == elements.count }

    /// The oldest, if any.
    var first: Element? { isEmpty ? nil : elements[head] }

    mutating func append(_ element: Element) { elements.append(element) }

    /// Takes the oldest, if any.
    mutating func popFirst() -> Element? {
        guard !isEmpty else { return nil }
        let element = elements[head]
        head += 1
        if head == elements.count {
            elements.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= elements.count {
            elements.removeFirst(head)
            head = 0
        }
        return element
    }

    /// Takes everything queued, oldest first.
    mutating func removeAll() -> ArraySlice<Element> {
        let rest = elements[head...]
        elements = []
        head = 0
        return rest
    }
}
