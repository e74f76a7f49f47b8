/** The text of a hast node (a code block's source, before or after highlighting split it into spans). */
export interface HastLike {
  type: string;
  value?: string;
  children?: HastLike[];
}

export function hastText(node: HastLike | undefined): string {
  if (!node) return "";
  if (node.type === "text") return node.value ?? "";
  return (node.children ?? []).map(hastText).join("");
}
