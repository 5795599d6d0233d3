// Keeps every served session's credentials fresh ahead of time, so a request is answered from memory
// and never waits on AWS after the first fetch. One timer per session fires just inside the catalog's
// refresh margin (where the per-hop cache treats the entry as due), so the renewal goes through the
// same cache and locks as credential-process. A session that fails is retried with a back-off and
// never disturbs the others; one that needs a person is reported once and answered with an error.
import { setTimeout as setTimer, clearTimeout as clearTimer } from "node:timers";
import { SesameError } from "../errors.ts";
import { log } from "../log.ts";
import type { Credentials } from "../types.ts";

export type Fetch = (name: string) => Promise<Credentials>;

export interface RenewerOptions {
  /** the catalog's refresh_margin, seconds */
  marginSeconds: number;
  /** a session's own margin when it differs (aws-login: 5 minutes, catalog/types.ts hopMargins) */
  marginFor?: (name: string) => number;
  now?: () => number;
  /** one line for the server's terminal (never a secret) */
  report?: (line: string) => void;
}

/** What a request gets: credentials to answer with, or an error to answer at once. */
export type Answer =
  | { ok: true; creds: Credentials; fetchedAt: number }
  | { ok: false; status: number; message: string };

interface Entry {
  name: string;
  creds?: Credentials;
  fetchedAt: number;
  error?: unknown;
  inflight?: Promise<void>;
  timer?: ReturnType<typeof setTimer>;
  failures: number;
  /** the last problem line printed, so a repeating failure is printed once */
  reported?: string;
}

/** Credentials with less than this left are not handed out: the caller could not finish one call.
 *  (Less with a tiny refresh margin, so a renewal just inside the margin always comes first.) */
const MIN_USEFUL_MS = 1000;
/** Renewals fire this long inside the margin, so the per-hop cache sees the entry as due. */
const INSIDE_MARGIN_MS = 250;
const RETRY_FIRST_MS = 5000;
const RETRY_MAX_MS = 5 * 60_000;

export class Renewer {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly report: (line: string) => void;
  private stopped = false;
  /** upstream fetches started (for tests and the bench: one per hop per renewal) */
  fetches = 0;
  /** requests that had to wait for a fetch because nothing valid was in memory */
  waits = 0;

  constructor(names: readonly string[], private readonly fetch: Fetch, private readonly opts: RenewerOptions) {
    this.now = opts.now ?? Date.now;
    this.report = opts.report ?? ((line) => console.error(line));
    for (const name of names) this.entries.set(name, { name, fetchedAt: 0, failures: 0 });
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Fetches one session now (the first fetch, which may prompt before serving starts). */
  async prime(name: string): Promise<void> {
    await this.refresh(this.entry(name));
  }

  /** The answer for a request: from memory when possible; a cold fetch only when nothing valid is held. */
  async answer(name: string): Promise<Answer> {
    const e = this.entry(name);
    if (this.usable(e)) return { ok: true, creds: e.creds!, fetchedAt: e.fetchedAt };
    // Nothing valid in memory: the first request, or the session failed. A hop that needs a person
    // fails fast (no terminal is asked while serving), so this never holds a request for long.
    this.waits++;
    log("server request waits for a fetch", { session: name });
    await this.refresh(e);
    if (this.usable(e)) return { ok: true, creds: e.creds!, fetchedAt: e.fetchedAt };
    return { ok: false, status: 503, message: problem(e.error, name) };
  }

  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) if (e.timer) clearTimer(e.timer);
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw new Error(`no such served session: ${name}`);
    return e;
  }

  private marginOf(name: string | undefined): number {
    return name !== undefined && this.opts.marginFor ? this.opts.marginFor(name) : this.opts.marginSeconds;
  }

  private usable(e: Entry): boolean {
    if (!e.creds) return false;
    if (!e.creds.expiration) return true;
    return e.creds.expiration.getTime() - this.now() > Math.min(MIN_USEFUL_MS, (this.marginOf(e.name) * 1000) / 4);
  }

  private refresh(e: Entry): Promise<void> {
    if (e.inflight) return e.inflight;
    if (e.timer) clearTimer(e.timer);
    e.timer = undefined;
    this.fetches++;
    const p = this.fetch(e.name).then(
      (creds) => {
        e.creds = creds;
        e.fetchedAt = this.now();
        e.error = undefined;
        e.failures = 0;
        if (e.reported) this.report(`sesame: session ${e.name}: credentials are being served again`);
        e.reported = undefined;
        log("server renewed", { session: e.name, expires: creds.expiration });
        this.schedule(e, this.renewDelay(creds, e.name));
      },
      (err: unknown) => {
        e.error = err;
        e.failures++;
        const line = `sesame: session ${e.name}: ${problem(err, e.name)}`;
        if (line !== e.reported) this.report(line);
        e.reported = line;
        this.schedule(e, Math.min(RETRY_FIRST_MS * 2 ** (e.failures - 1), RETRY_MAX_MS));
      },
    );
    e.inflight = p.finally(() => (e.inflight = undefined));
    return e.inflight;
  }

  /** Just inside the refresh margin; credentials that live less than the margin are renewed at half-life. */
  renewDelay(c: Credentials, name?: string): number | undefined {
    if (!c.expiration) return undefined; // long-lived: nothing to renew
    const left = c.expiration.getTime() - this.now();
    const margin = this.marginOf(name) * 1000;
    const d = left > margin ? left - margin + INSIDE_MARGIN_MS : left / 2;
    return Math.max(d, INSIDE_MARGIN_MS);
  }

  private schedule(e: Entry, delay: number | undefined): void {
    if (this.stopped || delay === undefined) return;
    // setTimeout holds at most 2^31-1 ms (24.8 days); a longer wait simply re-schedules.
    e.timer = setTimer(() => void this.refresh(e), Math.min(delay, 2 ** 31 - 1));
    e.timer.unref?.();
  }
}

/** The one line a client (in JSON) and the server's terminal get: the error's own words and its fix. */
export function problem(err: unknown, name: string): string {
  if (err instanceof SesameError) return err.toLine().replace(/^sesame: /, "").replace(/\s+/g, " ");
  return `could not get credentials for "${name}" (internal error; run: sesame credential-process ${name} --verbose)`;
}
