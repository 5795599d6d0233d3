// Text as lines that keep their own endings, so a writer can replace some lines and leave every other byte
// as it was (the AWS config files, the catalog), and the one rule for which ending lines sesame adds get.
// \r\n, \n and a lone \r end a line, as Python's universal newlines do (botocore reads ~/.aws so; TOML
// allows no lone \r, so in a catalog sesame reads only the first two occur).

export type Eol = "" | "\n" | "\r\n" | "\r";

/** Lines with their own endings; joining text+eol of every line gives the input back. */
export function splitLines(text: string): { text: string; eol: Eol }[] {
  const out: { text: string; eol: Eol }[] = [];
  let i = 0;
  const re = /\r\n|\n|\r/g;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) {
      out.push({ text: text.slice(i), eol: "" });
      break;
    }
    out.push({ text: text.slice(i, m.index), eol: m[0] as Eol });
    i = m.index + m[0].length;
  }
  return out;
}

export function renderLines(lines: readonly { text: string; eol: string }[]): string {
  let s = "";
  for (const l of lines) s += l.text + l.eol;
  return s;
}

/** The file's own line ending (its first one), so lines sesame adds match the lines around them. */
export function lineEnding(text: string): "\n" | "\r\n" {
  const nl = text.indexOf("\n");
  return nl > 0 && text[nl - 1] === "\r" ? "\r\n" : "\n";
}

/**
 * The ending most of the file's lines use (the first line's on a tie). In a file that mixes \r\n and \n,
 * the first line may come and go with a profile sesame removes; the majority does not swing that way.
 */
export function dominantLineEnding(text: string): "\n" | "\r\n" | "\r" {
  const n = { "\n": 0, "\r\n": 0, "\r": 0 };
  let first: "\n" | "\r\n" | "\r" | undefined;
  for (const l of splitLines(text)) {
    if (l.eol === "") continue;
    n[l.eol]++;
    first ??= l.eol;
  }
  const best = Math.max(n["\n"], n["\r\n"], n["\r"]);
  const tied = (["\n", "\r\n", "\r"] as const).filter((e) => n[e] === best);
  return first && tied.includes(first) ? first : tied[0]!;
}
