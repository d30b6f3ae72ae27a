import Foundation

/// A wake-up flag with a timed wait; every waiter is woken by `fire`.
actor WakeSignal {
    private var pending = false
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter: UInt64 = 0

    func fire() {
        guard !waiters.isEmpty else {
            pending = true
            return
        }
        let woken = waiters.values
        waiters.removeAll()
        for waiter in woken { waiter.resume() }
    }

    func wait(timeout: Duration) async {
        if pending {
            pending = false
            return
        }
        nextWaiter += 1
        let id = nextWaiter
        let timer = Task {
            try? await Task.sleep(for: timeout)
            expire(id)
        }
        await withCheckedContinuation { waiters[id] = $0 }
        pending = false
        timer.cancel()
    }

    private func expire(_ id: UInt64) {
        waiters.removeValue(forKey: id)?.resume()
    }
}
