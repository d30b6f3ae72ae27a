import Core
import Foundation
import Testing

@testable import Orchestrator

/// The claim loop's bookkeeping: a step that ends wakes the loop only when the loop waits for room.
@Suite struct EngineStateTests {
    static func claim() -> WorkflowEngine.Claim {
        WorkflowEngine.Claim(step: WorkflowStepID(UUID()), run: WorkflowRunID(UUID()), workspace: WorkspaceID(UUID()), attempt: 1)
    }

    @Test func aStepEndingWhileTheLoopHasRoomWakesNothing() async {
        let state = EngineState()
        let (first, second) = (Self.claim(), Self.claim())
        await state.begin(first)
        #expect(await state.capacity(of: 2) == 1)
        await state.begin(second)
        #expect(await state.end(first) == false, "the loop had room when it last looked")
    }

    @Test func theFirstStepEndingAfterTheLoopFoundNoRoomWakesItOnce() async {
        let state = EngineState()
        let (first, second) = (Self.claim(), Self.claim())
        await state.begin(first)
        await state.begin(second)
        #expect(await state.capacity(of: 2) == 0)
        #expect(await state.end(first) == true, "the loop waits for this room")
        #expect(await state.end(second) == false, "it was woken already")
        #expect(await state.capacity(of: 2) == 2)
    }
}
