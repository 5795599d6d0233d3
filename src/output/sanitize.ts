// The one sanitizer for text that reaches a terminal. AWS error messages, catalog values and file names are
// untrusted: an ESC in them could move the cursor, retitle the window or rewrite what was printed before.
// C0 controls (except \n and \t where the output is multi-line), DEL, C1 controls and the bidi overrides and
// isolates (which reorder what is read) are shown as visible \xNN / \uNNNN escapes instead.

// eslint-disable-next-line no-control-regex
const UNSAFE_LINE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_BLOCK = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  const n = c.charCodeAt(0);
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16).padStart(4, "0")}`;
}

/** One line for a terminal: every control character (newlines and tabs too) made visible. */
export function forTerminal(text: string): string {
  return text.replace(UNSAFE_LINE, escape);
}

/** Multi-line text for a terminal: \n and \t kept, every other control character made visible. */
export function forTerminalBlock(text: string): string {
  return text.replace(UNSAFE_BLOCK, escape);
}
