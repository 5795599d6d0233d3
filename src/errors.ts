// Typed errors: each carries a stable code, a user-facing message, an optional fix and an exit status.
// main.ts is the only place that prints them.

export const EXIT = {
  ok: 0,
  usage: 2, // bad flags, unknown command, unsupported feature
  catalog: 3, // the catalog cannot be used
  needsLogin: 4, // a login, a secret, an MFA code or a passphrase is needed and cannot be asked for
  awsRefused: 5, // AWS (or the endpoint standing in for it) said no
  keyring: 6, // the OS keyring or the file keyring cannot be used
  busy: 7, // another sesame holds a lock for too long
  internal: 70,
} as const;

export class SesameError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exit: number,
    readonly fix?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
  /** The one line printed on stderr. (Not named `line`: JavaScriptCore gives every Error an own `line` property.) */
  toLine(): string {
    return this.fix ? `sesame: ${this.message} — ${this.fix}` : `sesame: ${this.message}`;
  }
}

export class UsageError extends SesameError {
  constructor(message: string, fix?: string) {
    super("usage", message, EXIT.usage, fix);
  }
}

export class CatalogError extends SesameError {
  constructor(
    readonly file: string,
    readonly pos: { line: number; col: number } | undefined,
    what: string,
    fix?: string,
  ) {
    super("catalog", `${file}${pos ? `:${pos.line}:${pos.col}` : ""}: ${what}`, EXIT.catalog, fix);
  }
}

export class NeedsInput extends SesameError {
  constructor(code: string, message: string, fix?: string) {
    super(code, message, EXIT.needsLogin, fix);
  }
}

export class AwsRefused extends SesameError {
  constructor(
    readonly service: string,
    readonly operation: string,
    readonly awsCode: string,
    awsMessage: string,
    fix?: string,
  ) {
    super("aws", `${service} ${operation} refused: ${awsCode}${awsMessage ? `: ${awsMessage}` : ""}`, EXIT.awsRefused, fix);
  }
}

export class KeyringError extends SesameError {
  constructor(message: string, fix?: string) {
    super("keyring", message, EXIT.keyring, fix);
  }
}

export class BusyError extends SesameError {
  constructor(message: string, fix?: string) {
    super("busy", message, EXIT.busy, fix);
  }
}

export class NotSupportedYet extends SesameError {
  constructor(what: string) {
    super("not-supported", `${what} is not supported yet`, EXIT.usage, "see docs/ for what this version can do");
  }
}
