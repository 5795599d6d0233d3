// --verbose: what sesame does, on stderr, one line per event, with secrets redacted by construction —
// any field whose name mentions a secret, token, password or key id shows only its last 4 characters.

let on = false;

export function setVerbose(v: boolean): void {
  on = v;
}

export function verbose(): boolean {
  return on;
}

const SECRET_FIELD = /secret|token|password|passphrase|accesskeyid|^key$|credential/i;

export function redact(name: string, value: unknown): string {
  const s = value instanceof Date ? value.toISOString() : typeof value === "string" ? value : JSON.stringify(value);
  if (SECRET_FIELD.test(name)) return s && s.length > 4 ? `****${s.slice(-4)}` : "****";
  return s;
}

export function log(event: string, fields: Record<string, unknown> = {}): void {
  if (!on) return;
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${redact(k, v)}`);
  console.error(`sesame: [verbose] ${event}${parts.length ? " " + parts.join(" ") : ""}`);
}
