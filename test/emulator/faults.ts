// Fault injection: queued per (service, operation), each fault applying to the next N matching calls.
// Faults are protocol-neutral; the handler of each service renders the error in its own envelope.
import { type AwsError, awsError, errors } from "./errors.ts";

export interface FaultSpec {
  /** Service the fault applies to ("sts", later "sso", "sso-oidc"). Default "sts". */
  service?: string;
  /** Operation name (e.g. "AssumeRole") or "*" for any. Default "*". */
  action?: string;
  /** How many of the next matching calls it applies to. Default 1. */
  count?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Answer with this error instead of running the operation. */
  error?: AwsError;
  /** Answer 200 with a body of this many bytes of filler, streamed (a babbling or hostile endpoint). */
  hugeBodyBytes?: number;
}

/** What to do to one call: wait `delayMs` (if set), then fail with `error` (if set) or answer normally. */
export interface FaultAction {
  delayMs?: number;
  error?: AwsError;
  hugeBodyBytes?: number;
}

interface Pending {
  service: string;
  action: string;
  remaining: number;
  delayMs?: number;
  error?: AwsError;
  hugeBodyBytes?: number;
}

export class FaultQueue {
  private readonly pending: Pending[] = [];

  add(spec: FaultSpec): void {
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new Error(`fault count must be a positive integer, got ${count}`);
    if (spec.delayMs === undefined && spec.error === undefined && spec.hugeBodyBytes === undefined) throw new Error("a fault needs delayMs, error or hugeBodyBytes");
    this.pending.push({
      service: spec.service ?? "sts",
      action: spec.action ?? "*",
      remaining: count,
      ...(spec.delayMs !== undefined ? { delayMs: spec.delayMs } : {}),
      ...(spec.error !== undefined ? { error: spec.error } : {}),
      ...(spec.hugeBodyBytes !== undefined ? { hugeBodyBytes: spec.hugeBodyBytes } : {}),
    });
  }

  /** The next `count` calls are answered 200 with `bytes` of streamed filler (default 2 GB), never a real answer. */
  hugeBody(action = "*", bytes = 2 * 1024 ** 3, count = 1, service = "sts"): void {
    this.add({ service, action, count, hugeBodyBytes: bytes });
  }

  /** `Throttling` / 400 / "Rate exceeded" for the next `count` calls. */
  throttle(action = "*", count = 1, service = "sts"): void {
    this.add({ service, action, count, error: errors.throttling() });
  }

  /** A 5xx Receiver error (InternalFailure 500 by default, or ServiceUnavailable 503). */
  serverError(action = "*", count = 1, kind: "InternalFailure" | "ServiceUnavailable" = "InternalFailure", service = "sts"): void {
    const error = kind === "InternalFailure" ? errors.internalFailure() : errors.serviceUnavailable();
    this.add({ service, action, count, error });
  }

  delay(action: string, delayMs: number, count = 1, service = "sts"): void {
    this.add({ service, action, count, delayMs });
  }

  /** Any error code/message/status, e.g. RegionDisabledException 403. */
  error(action: string, code: string, message: string, status: number, count = 1, service = "sts"): void {
    this.add({ service, action, count, error: awsError(code, message, status) });
  }

  /** Consumes the first queued fault matching this call (FIFO), if any. */
  take(service: string, action: string): FaultAction | undefined {
    const index = this.pending.findIndex((p) => p.service === service && (p.action === "*" || p.action === action));
    if (index < 0) return undefined;
    const p = this.pending[index]!;
    p.remaining -= 1;
    if (p.remaining === 0) this.pending.splice(index, 1);
    return {
      ...(p.delayMs !== undefined ? { delayMs: p.delayMs } : {}),
      ...(p.error !== undefined ? { error: p.error } : {}),
      ...(p.hugeBodyBytes !== undefined ? { hugeBodyBytes: p.hugeBodyBytes } : {}),
    };
  }

  clear(): void {
    this.pending.length = 0;
  }

  /** Faults still queued, for assertions and the control API. */
  list(): readonly Readonly<Pending>[] {
    return this.pending.map((p) => ({ ...p }));
  }
}
