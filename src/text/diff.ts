// A small unified diff (the `diff -u` format) for the --dry-run of `profiles sync`, `import` and `sso sync`:
// what would change, shown the way every engineer already reads changes. Lines compare with their own
// endings, so a change of ending alone still shows. By default they also print with them, as GNU diff
// does, so the output is a patch that `patch` applies, CRLF files included; `endings: "drop"` prints each
// line with a plain \n instead (readable on a terminal; a last line without an ending is marked either way).
import { splitLines } from "./lines.ts";

type Op = { kind: " " | "-" | "+"; line: { text: string; eol: string }; a: number; b: number };

export interface DiffOptions {
  /** lines of context around each change (3, as diff -u) */
  context?: number;
  /** "keep": each line prints with its own ending; "drop": with \n */
  endings?: "keep" | "drop";
}

export function unifiedDiff(before: string, after: string, fromName: string, toName: string, o: DiffOptions = {}): string {
  const context = o.context ?? 3;
  const keep = (o.endings ?? "keep") === "keep";
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffOps(a, b);
  let out = `--- ${fromName}\n+++ ${toName}\n`;
  for (const h of hunks(ops, context)) {
    const aLen = h.filter((o) => o.kind !== "+").length;
    const bLen = h.filter((o) => o.kind !== "-").length;
    const aStart = h.find((o) => o.kind !== "+")?.a ?? h[0]!.a;
    const bStart = h.find((o) => o.kind !== "-")?.b ?? h[0]!.b;
    out += `@@ -${aLen ? aStart + 1 : aStart},${aLen} +${bLen ? bStart + 1 : bStart},${bLen} @@\n`;
    for (const o of h) {
      out += `${o.kind}${o.line.text}${(keep && o.line.eol) || "\n"}`;
      if (o.line.eol === "") out += "\\ No newline at end of file\n";
    }
  }
  return out;
}

/** Edit script by longest common subsequence over the part between the common prefix and suffix. */
function diffOps(a: { text: string; eol: string }[], b: { text: string; eol: string }[]): Op[] {
  const same = (x: { text: string; eol: string }, y: { text: string; eol: string }) => x.text === y.text && x.eol === y.eol;
  let pre = 0;
  while (pre < a.length && pre < b.length && same(a[pre]!, b[pre]!)) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && same(a[a.length - 1 - suf]!, b[b.length - 1 - suf]!)) suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  // lcs[i][j] = LCS length of am[i..] and bm[j..]; the middle is small (only sesame's blocks change).
  const lcs = Array.from({ length: am.length + 1 }, () => new Array<number>(bm.length + 1).fill(0));
  for (let i = am.length - 1; i >= 0; i--) {
    for (let j = bm.length - 1; j >= 0; j--) {
      lcs[i]![j] = same(am[i]!, bm[j]!) ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  for (let k = 0; k < pre; k++) ops.push({ kind: " ", line: a[k]!, a: k, b: k });
  let i = 0;
  let j = 0;
  while (i < am.length || j < bm.length) {
    if (i < am.length && j < bm.length && same(am[i]!, bm[j]!)) {
      ops.push({ kind: " ", line: am[i]!, a: pre + i++, b: pre + j++ });
    } else if (j < bm.length && (i === am.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      ops.push({ kind: "+", line: bm[j]!, a: pre + i, b: pre + j++ });
    } else {
      ops.push({ kind: "-", line: am[i]!, a: pre + i++, b: pre + j });
    }
  }
  for (let k = 0; k < suf; k++) ops.push({ kind: " ", line: a[a.length - suf + k]!, a: a.length - suf + k, b: b.length - suf + k });
  return sortRemovalsFirst(ops);
}

/** Within a run of changes, print removals before additions, as diff -u does. */
function sortRemovalsFirst(ops: Op[]): Op[] {
  const out: Op[] = [];
  let run: Op[] = [];
  const flush = () => {
    out.push(...run.filter((o) => o.kind === "-"), ...run.filter((o) => o.kind === "+"));
    run = [];
  };
  for (const o of ops) {
    if (o.kind === " ") {
      flush();
      out.push(o);
    } else run.push(o);
  }
  flush();
  return out;
}

function hunks(ops: Op[], context: number): Op[][] {
  const changed = ops.map((o, k) => (o.kind === " " ? -1 : k)).filter((k) => k >= 0);
  const out: Op[][] = [];
  let from = -1;
  let to = -1;
  for (const k of changed) {
    if (from >= 0 && k - context <= to + 1) {
      to = Math.min(ops.length - 1, k + context);
      continue;
    }
    if (from >= 0) out.push(ops.slice(from, to + 1));
    from = Math.max(0, k - context);
    to = Math.min(ops.length - 1, k + context);
  }
  if (from >= 0) out.push(ops.slice(from, to + 1));
  return out;
}
