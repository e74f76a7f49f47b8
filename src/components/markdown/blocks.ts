/**
 * Splitting a message's Markdown into top-level blocks, so a streamed answer is parsed a block at
 * a time: every block but the last is complete and never changes again (the renderer memoizes it
 * by its text), and each delta re-parses only the last one. The split is at blank lines outside
 * fenced code; a blank line followed by an indented line (a list item's next paragraph, a nested
 * list, indented code) stays in the same block, because cut there it would read differently.
 */
const fenceOpen = /^ {0,3}(`{3,}|~{3,})/;

export function splitBlocks(text: string): string[] {
  const lines = text.split("\n");
  const blocks: string[] = [];
  let current: string[] = [];
  let fence: string | null = null;
  let blankRun = false;

  const flush = () => {
    // Trailing blank lines belong to nobody: they do not change how a block renders.
    while (current.length && current.at(-1)!.trim() === "") current.pop();
    if (current.length) blocks.push(current.join("\n"));
    current = [];
  };

  for (const line of lines) {
    if (fence) {
      current.push(line);
      const close = new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`);
      if (close.test(line)) fence = null;
      continue;
    }
    if (line.trim() === "") {
      blankRun = true;
      current.push(line);
      continue;
    }
    if (blankRun && !/^[ \t]/.test(line)) flush();
    blankRun = false;
    const open = fenceOpen.exec(line);
    if (open) fence = open[1]!;
    current.push(line);
  }
  flush();
  return blocks;
}
