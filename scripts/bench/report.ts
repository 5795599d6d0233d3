// What a bench run found: the rows (items), the targets and notes, and their two renderings (the text
// table, the --json object). One Report per run, made by newReport(): nothing here lives at module level.
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { median, quantile } from "./measure.ts";

export interface Item {
  key: string;
  label: string;
  samples: number[];
  unit: "ms" | "KiB" | "MiB";
  /** ratio against this item's median */
  versus?: string;
  /** how other rows name this one in their ratio column */
  short?: string;
  note?: string;
}

export interface Target {
  name: string;
  ok: boolean | null;
  measured: string;
}

export interface Report {
  readonly items: Map<string, Item>;
  readonly targets: Target[];
  readonly notes: string[];
  /** Adds a row (in the order rows are recorded: that is the table's order). */
  record(key: string, label: string, samples: number[], opts?: Partial<Omit<Item, "key" | "label" | "samples">>): void;
  /** the median of a row's samples (NaN when the row is missing) */
  med(key: string): number;
  target(name: string, ok: boolean | null, measured: string): void;
}

export function newReport(): Report {
  const items = new Map<string, Item>();
  const targets: Target[] = [];
  const notes: string[] = [];
  return {
    items,
    targets,
    notes,
    record: (key, label, samples, opts = {}) => void items.set(key, { key, label, samples, unit: opts.unit ?? "ms", ...opts }),
    med: (key) => median(items.get(key)?.samples ?? []),
    target: (name, ok, measured) => void targets.push({ name, ok, measured }),
  };
}

export const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");

export function machine() {
  let cpu = cpus()[0]?.model ?? "unknown";
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpu;
  } catch { /* not Linux */ }
  return { nproc: navigator.hardwareConcurrency, cpu, bun: Bun.version, os: `${process.platform} ${process.arch}` };
}

export function renderTable(rep: Report): string {
  const rows: string[][] = [["what", "median", "p25–p75", "ratio", "n"]];
  for (const it of rep.items.values()) {
    const m = median(it.samples);
    const ratio = it.versus ? m / rep.med(it.versus) : NaN;
    const against = it.versus ? `× ${rep.items.get(it.versus)?.short ?? it.versus}` : "";
    const digits = it.unit === "ms" ? (m < 100 ? 2 : 0) : it.unit === "MiB" ? 1 : 0;
    rows.push([
      it.label,
      `${fmt(m, digits)} ${it.unit}`,
      it.samples.length > 1 ? `${fmt(quantile(it.samples, 0.25), digits)}–${fmt(quantile(it.samples, 0.75), digits)}` : "",
      Number.isFinite(ratio) ? `${ratio >= 100 ? ratio.toFixed(0) : ratio.toFixed(2)} ${against}` : "",
      String(it.samples.length),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

/** Every row as the --json output names it: medians, quartiles and ratios. */
export function itemsJson(rep: Report): Record<string, unknown> {
  return Object.fromEntries([...rep.items.values()].map((it) => [it.key, {
    label: it.label,
    unit: it.unit,
    median: median(it.samples),
    p25: quantile(it.samples, 0.25),
    p75: quantile(it.samples, 0.75),
    n: it.samples.length,
    ...(it.versus ? { versus: it.versus, ratio: median(it.samples) / rep.med(it.versus) } : {}),
  }]));
}
