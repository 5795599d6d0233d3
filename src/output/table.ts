// Plain aligned columns for humans; scripts use --json. Every cell is sanitised: catalog values are untrusted.
import { forTerminal } from "./sanitize.ts";

export function renderTable(head: string[], rows: string[][]): string {
  const clean = rows.map((r) => r.map((c) => forTerminal(c)));
  const widths = head.map((h, i) => Math.max(h.length, ...clean.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(head), ...clean.map(line)].join("\n") + "\n";
}
