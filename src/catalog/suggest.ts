// "did you mean": the nearest names to a mistyped one (edit distance), shared by the catalog validator,
// session lookup and the command line.

/** The closest option if it is near enough to be a typo, else undefined. */
export function closest(got: string, options: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = distance(got.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(got.length / 4)) ? best : undefined;
}

/** The n options nearest to `got`, nearest first (ties in the given order). */
export function nearest(got: string, options: Iterable<string>, n: number): string[] {
  const g = got.toLowerCase();
  return [...options].map((o, i) => ({ o, i, d: distance(g, o.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, n)
    .map((x) => x.o);
}

/** "did you mean" for near-misses, else the general fix. */
export function fixFor(got: string, options: Iterable<string>, general: string): string {
  const best = closest(got, options);
  return best !== undefined ? `did you mean "${best}"?` : general;
}

export function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
