// Words sesame writes into a line of another tool's file (~/.aws/config) or of a catalog comment: a path
// with a line break in it would end that line and start lines of its choosing (a `[profile pwn]` with its
// own credential_process). Such a word is refused with one line, never written.
import { UsageError } from "../errors.ts";

/** C0 controls but tab, DEL, and the C1 controls: each can end or garble a line for some reader. */
const CONTROL_RE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/;

export function hasControl(word: string): boolean {
  return CONTROL_RE.test(word);
}

/** The word with its control characters shown as \xNN (or \uNNNN), safe to print. */
export function showWord(word: string): string {
  return word.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => {
    const n = c.charCodeAt(0);
    return n > 0xff ? `\\u${n.toString(16).padStart(4, "0")}` : `\\x${n.toString(16).padStart(2, "0")}`;
  });
}

/** `word`, unless it holds a line break or another control character: then one clear refusal. */
export function lineSafe(word: string, what: string, where: string, fix: string): string {
  if (hasControl(word)) throw new UsageError(`${what} "${showWord(word)}" holds a line break or another control character, so it cannot be written into ${where}`, fix);
  return word;
}
