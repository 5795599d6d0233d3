// SHA-256 of a string as lowercase hex, through WebCrypto (the cheap import on the warm path: cache entry
// names are made with it on every call).
const enc = new TextEncoder();
const HEX = "0123456789abcdef";

export async function sha256Hex(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(text)));
  let hex = "";
  for (const b of d) hex += HEX[b >> 4]! + HEX[b & 15]!;
  return hex;
}
