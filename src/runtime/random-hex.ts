// n random bytes as lowercase hex, from the web-standard CSPRNG (no node:crypto import on the warm path).
export function randomHex(bytes: number): string {
  let hex = "";
  for (const b of crypto.getRandomValues(new Uint8Array(bytes))) hex += b.toString(16).padStart(2, "0");
  return hex;
}
