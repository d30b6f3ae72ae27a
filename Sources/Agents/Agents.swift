/// Agents: the BaseAgent lifecycle, the trace pipeline and the catalog live here.
public enum AgentsModule {}
