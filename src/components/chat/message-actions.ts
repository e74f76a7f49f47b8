/** The message actions the timeline offers (turns.retry, turns.regenerate, turns.edit). */
export type MessageAction = { kind: "retry"; stepId: string } | { kind: "regenerate"; turnId: string } | { kind: "edit"; turnId: string; message: string };

/** Which button an action belongs to: its pending state and its error are shown there. */
export function messageActionKey(action: MessageAction | Omit<Extract<MessageAction, { kind: "edit" }>, "message">): string {
  return action.kind === "retry" ? `retry:${action.stepId}` : `${action.kind}:${action.turnId}`;
}
