// Typed errors: each carries a stable code, a user-facing message, an optional fix and an exit status.
// main.ts is the only place that prints them.

export const EXIT = {
  ok: 0,
  problems: 1, // doctor found something to fix that is neither the catalog nor the keyring
  usage: 2, // bad flags, unknown command, unsupported feature
  catalog: 3, // the catalog cannot be used
  needsLogin: 4, // a login, a secret, an MFA code or a passphrase is needed and cannot be asked for
  awsRefused: 5, // AWS (or the endpoint standing in for it) said no
  keyring: 6, // the OS keyring or the file keyring cannot be used
  busy: 7, // another sesame holds a lock for too long
  internal: 70,
  cannotRun: 126, // exec: the command exists but cannot be run (as shells report it)
  notFound: 127, // exec: no such command
  interrupted: 130, // Ctrl-C (128 + SIGINT)
  closedPipe: 141, // the reader of stdout left (128 + SIGPIPE)
} as const;

export class SesameError extends Error {
  /** the session (the hop of a chain) where it happened: shown before the text; set once, by the innermost hop */
  hop?: string;
  /** the text already names the session it happened at: the hop is not shown a second time */
  hopInText = false;
  #what: string;
  constructor(
    readonly code: string,
    message: string,
    readonly exit: number,
    readonly fix?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.#what = message;
    // The message is made from the fields, so no caller ever edits or parses the text.
    Object.defineProperty(this, "message", { get: () => this.text(), set: (v: string) => (this.#what = v), configurable: true });
  }
  /** The error's own words: no hop, no position. */
  get what(): string {
    return this.#what;
  }
  /** Records the hop it happened at, unless a deeper hop already did. */
  at(hop: string, hopInText = false): this {
    if (this.hop === undefined) {
      this.hop = hop;
      this.hopInText = hopInText;
    }
    return this;
  }
  protected text(): string {
    return this.hop === undefined || this.hopInText ? this.#what : `session "${this.hop}": ${this.#what}`;
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
    code = "catalog",
  ) {
    super(code, what, EXIT.catalog, fix);
  }
  protected override text(): string {
    return `${this.file}${this.pos ? `:${this.pos.line}:${this.pos.col}` : ""}: ${this.what}`;
  }
}

/** There is no catalog at that path (code "catalog.missing"). */
export function catalogMissing(file: string, fix: string): CatalogError {
  return new CatalogError(file, undefined, "no catalog here", fix, "catalog.missing");
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
