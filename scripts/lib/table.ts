/**
 * A Markdown table, columns padded to their widest cell, so that the bench's output reads in a terminal and
 * pastes into the README as it is.
 */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => "| " + widths.map((w, i) => (cells[i] ?? "").padEnd(w)).join(" | ") + " |";
  return [line(headers), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...rows.map(line)];
}

/** 182429 as "182,429": the figures people compare by eye. */
export function thousands(n: number): string {
  return n.toLocaleString("en-US");
}
