import Agents

/// Orchestrator: workflow definitions, the runner and the event bus live here.
public enum OrchestratorModule {}
