/** Words the timeline, the composer and the details drawer share. */
export const modeNames: Record<string, string> = {
  manual: "Manual",
  roundtable: "Roundtable",
  orchestrator: "Orchestrator",
  direct: "Direct chat",
};

export const turnStatusNames: Record<string, string> = {
  queued: "Queued",
  running: "Running",
  completed: "Completed",
  partial: "Partial",
  failed: "Failed",
  cancelled: "Cancelled",
};

export const stepStatusNames: Record<string, string> = {
  pending: "Pending",
  running: "Writing",
  succeeded: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

export const stepKindNames: Record<string, string> = {
  agent: "Agent",
  manager_route: "Routing",
  manager_evaluate: "Evaluation",
  synthesis: "Synthesis",
  summary: "Summary",
};

/** The tools an agent may be given, as people read them. */
export const toolNames: Record<string, string> = {
  search: "Web search",
  file_search: "File search",
  file_read: "Read a file",
};

export const toolCallStatusNames: Record<string, string> = {
  running: "Running",
  succeeded: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
  denied: "Not allowed",
};

/** A duration: "850 ms", "2.4 s". */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A browser-made request id: `crypto.randomUUID` needs a secure context, `getRandomValues` does not. */
export function newRequestId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
