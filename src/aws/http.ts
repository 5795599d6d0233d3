// Every HTTP request sesame makes to AWS (the SDK clients and the console federation call) goes
// through boundedFetch: the platform's fetch, so HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured as
// the AWS CLI honours them (the SDK's own node:https handler ignores them under Bun), AWS_CA_BUNDLE
// adds the CA of a TLS-intercepting proxy, every body read is capped (a hostile or broken endpoint
// cannot make sesame buffer gigabytes), and network errors name the proxy in the way.
// Loaded only with the SDK adapters: never on a cache hit.
import { readFileSync } from "node:fs";
import { HttpResponse } from "@smithy/core/protocols";
import { EXIT, SesameError } from "../errors.ts";
import type { Env } from "../types.ts";

/** The largest answer any of these APIs gives is a few KiB; 4 MiB leaves room without letting a babbler fill memory. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

const pick = (env: Env, name: string): string | undefined => env[name.toLowerCase()] || env[name] || undefined;

/** The proxy for this URL, as the AWS CLI (urllib) decides: https_proxy / http_proxy by scheme, NO_PROXY wins. */
export function proxyFor(url: string, env: Env): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const proxy = u.protocol === "https:" ? pick(env, "HTTPS_PROXY") : u.protocol === "http:" ? pick(env, "HTTP_PROXY") : undefined;
  if (!proxy) return undefined;
  const host = u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = u.port || (u.protocol === "https:" ? "443" : "80");
  for (let entry of (pick(env, "NO_PROXY") ?? "").split(",")) {
    entry = entry.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return undefined;
    // "[::1]:443", "::1" (a bare IPv6 address has no port), "host:443", "host"
    let [h, p] = entry.startsWith("[")
      ? [entry.slice(1, entry.indexOf("]")), entry.slice(entry.indexOf("]") + 2)]
      : entry.split(":").length > 2
        ? [entry, ""]
        : entry.split(":");
    h = (h ?? "").replace(/^\*?\./, "");
    if (p && p !== port) continue;
    if (host === h || host.endsWith(`.${h}`)) return undefined;
  }
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

/** A proxy URL fit to print: scheme, host and port, never a user name or password. */
export function proxyLabel(proxy: string): string {
  try {
    const u = new URL(proxy);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "(the configured proxy)";
  }
}

let caCache: { path: string; pem: string } | undefined;
function caBundle(env: Env): string | undefined {
  const path = env.AWS_CA_BUNDLE;
  if (!path) return undefined;
  if (caCache?.path !== path) {
    try {
      caCache = { path, pem: readFileSync(path, "utf8") };
    } catch (e) {
      throw new SesameError("network", `cannot read AWS_CA_BUNDLE ${path} (${(e as { code?: string }).code ?? "error"})`, EXIT.awsRefused, "point AWS_CA_BUNDLE at a readable PEM file, or unset it");
    }
  }
  return caCache.pem;
}

/** Thrown when an answer is larger than MAX_BODY_BYTES; not retried. */
export class ResponseTooLarge extends Error {
  override name = "ResponseTooLarge";
}

export interface BoundedResponse {
  status: number;
  statusText: string;
  headers: Headers;
  body: Uint8Array;
}

/**
 * fetch with the proxy and CA decided here, and the body read to at most MAX_BODY_BYTES. Network errors
 * keep their code (ECONNREFUSED …) and carry `proxy` (printable) when one was in the way.
 */
export async function boundedFetch(url: string, init: { method: string; headers: Record<string, string>; body?: BodyInit | null; signal?: AbortSignal }, env: Env): Promise<BoundedResponse> {
  const proxy = proxyFor(url, env);
  const ca = caBundle(env);
  const extra: Record<string, unknown> = {};
  // Bun takes the proxy per request, `false` for none (it would also read the proxy variables itself, by
  // other NO_PROXY rules, and then the error message could name the wrong proxy); Deno reads them itself.
  extra.proxy = proxy ?? false;
  if (ca) extra.tls = { ca };
  const deno = (globalThis as { Deno?: { createHttpClient?: (o: unknown) => unknown } }).Deno;
  if (ca && deno?.createHttpClient) extra.client = deno.createHttpClient({ caCerts: [ca] });
  try {
    const res = await fetch(url, { ...init, redirect: "manual", ...extra } as RequestInit);
    const declared = Number(res.headers.get("content-length") ?? "0");
    if (declared > MAX_BODY_BYTES) {
      await res.body?.cancel().catch(() => {});
      throw new ResponseTooLarge(`answered with ${declared} bytes`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > MAX_BODY_BYTES) {
          await reader.cancel().catch(() => {});
          throw new ResponseTooLarge(`answered with more than ${MAX_BODY_BYTES} bytes`);
        }
        chunks.push(value);
      }
    }
    const body = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.byteLength;
    }
    return { status: res.status, statusText: res.statusText, headers: res.headers, body };
  } catch (e) {
    if (e instanceof ResponseTooLarge || (e as { name?: string })?.name === "TimeoutError" || (e as { name?: string })?.name === "AbortError") throw e;
    // Anything else fetch throws is a network failure (refused, reset, DNS, TLS, a proxy that would not
    // tunnel): one shape, its code kept (the SDK retries ECONNRESET/ECONNREFUSED…), the proxy named.
    const err = e as { code?: string; name?: string; message?: string };
    throw Object.assign(new Error(err.message ?? String(e)), {
      name: "NetworkError",
      code: BUN_CODES[err.code ?? ""] ?? err.code ?? err.name ?? "error",
      sesameNetwork: true,
      ...(proxy ? { proxy: proxyLabel(proxy) } : {}),
    });
  }
}

/** Bun's names for what Node calls by errno code: the SDK's retry decision knows the latter. */
const BUN_CODES: Record<string, string> = { ConnectionRefused: "ECONNREFUSED", ConnectionClosed: "ECONNRESET", ConnectionReset: "ECONNRESET" };

/** Printable "through the proxy X" for an error that carries one. */
export function viaProxy(e: unknown): string {
  const p = (e as { proxy?: unknown } | undefined)?.proxy;
  return typeof p === "string" ? ` through the proxy ${p}` : "";
}

interface SmithyRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * The SDK clients' request handler. One attempt is bounded by `attemptMs` (the SDK retries it), the whole
 * call by the abortSignal the caller passes to send().
 */
export class SesameHttpHandler {
  readonly metadata = { handlerProtocol: "http/1.1" };
  constructor(
    private readonly env: Env,
    private readonly attemptMs: number,
  ) {}

  async handle(request: SmithyRequest, options: { abortSignal?: unknown } = {}): Promise<{ response: HttpResponse }> {
    const outer = options.abortSignal as AbortSignal | undefined;
    const qs = Object.entries(request.query ?? {})
      .flatMap(([k, v]) => (v === null ? [encodeURIComponent(k)] : (Array.isArray(v) ? v : [v]).map((x) => `${encodeURIComponent(k)}=${encodeURIComponent(x)}`)))
      .join("&");
    const url = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ""}${request.path}${qs ? `?${qs}` : ""}`;
    const attempt = AbortSignal.timeout(this.attemptMs);
    const signal = outer ? AbortSignal.any([attempt, outer]) : attempt;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(request.headers)) if (k.toLowerCase() !== "host" && k.toLowerCase() !== "content-length") headers[k] = v;
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : (request.body as BodyInit | undefined);
    try {
      const res = await boundedFetch(url, { method: request.method, headers, body: body ?? null, signal }, this.env);
      const out: Record<string, string> = {};
      res.headers.forEach((v, k) => (out[k] = v));
      return { response: new HttpResponse({ statusCode: res.status, reason: res.statusText, headers: out, body: res.body }) };
    } catch (e) {
      if (attempt.aborted && !outer?.aborted) {
        // This attempt's own timeout: a retryable TimeoutError, as the SDK's handler throws.
        throw Object.assign(new Error(`no answer within ${this.attemptMs} ms`), { name: "TimeoutError", code: "ETIMEDOUT", ...(e && typeof e === "object" && "proxy" in e ? { proxy: (e as { proxy: string }).proxy } : {}) });
      }
      throw e;
    }
  }
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}
