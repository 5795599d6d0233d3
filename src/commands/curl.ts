// sesame curl NAME [curl flags] URL: one HTTP request signed with SigV4 using the credentials of session
// NAME (API Gateway with IAM auth, Lambda function URLs, OpenSearch, any AWS API), or with --presign a
// presigned URL instead. The body comes back on stdout byte for byte; a refused signature is one line.
import { closeSync, mkdtempSync, openSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { sessionRegion } from "../catalog/catalog.ts";
import { loadSession } from "../catalog/load.ts";
import { AwsRefused, EXIT, SesameError, UsageError } from "../errors.ts";
import { methodOf, parseCurlArgs } from "../curl/args.ts";
import { awsErrorOf } from "../curl/aws-error.ts";
import { prepareBody } from "../curl/body.ts";
import { inferFromHost } from "../curl/infer.ts";
import { NetworkError, send, headBlock, TimedOut, writeAll, type Answer } from "../curl/send.ts";
import { presignUrl, signHeaders } from "../curl/sign.ts";
import type { Env } from "../types.ts";

/** curl's own exit statuses for the same failures. */
export const CURL_EXIT = { httpError: 22, timeout: 28, network: 56 } as const;

/**
 * Headers sesame computes; one typed by hand would be signed twice or contradict the signature. (Date
 * too: the SDK's signer drops it in favour of X-Amz-Date, so it would silently not be sent.)
 */
const RESERVED = new Set(["authorization", "date", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "content-length", "transfer-encoding"]);

/** An error answer bigger than this is passed through rather than read for its code. */
const ERROR_PEEK = 1 << 20;

export async function curlCommand(words: string[], globalConfig: string | undefined, env: Env = process.env): Promise<number> {
  const a = parseCurlArgs(words);
  let url: URL;
  try {
    url = new URL(a.url);
  } catch {
    throw new UsageError("curl: the URL is not valid", "give a full URL such as https://abc123.execute-api.eu-west-1.amazonaws.com/prod/items");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError(`curl: only http:// and https:// URLs can be signed`, "give an https:// URL");
  if (url.username || url.password) throw new UsageError("curl: the URL carries a user name or password", "remove user:password@ from the URL: the request is signed with the session's credentials");
  url.hash = "";

  const headers: Array<[string, string]> = [];
  for (const [k, v] of a.headers) {
    const name = k.toLowerCase();
    if (RESERVED.has(name)) throw new UsageError(`curl: sesame sets ${k} itself`, `remove -H '${k}: …'`);
    headers.push([name, v]);
  }
  const hostHeader = headers.find(([k]) => k === "host")?.[1];
  const inferred = inferFromHost((hostHeader ?? url.hostname).replace(/:\d+$/, ""));
  const service = a.service ?? inferred.service;
  if (!service) {
    throw new UsageError(`curl: cannot tell which AWS service ${safe(hostHeader ?? url.hostname)} is from its name`, "add --service NAME, the name AWS signs with (execute-api, lambda, es, aoss, s3 …)");
  }

  const { cat, session: s } = await loadSession(a.name, a.config ?? globalConfig, env);
  const region = a.region ?? inferred.region ?? sessionRegion(s, cat);
  if (!region) throw new UsageError(`curl: cannot tell the region of ${safe(hostHeader ?? url.hostname)} from its name`, "add --region NAME (e.g. --region eu-west-1)");

  const method = methodOf(a);
  if (a.body.kind === "text" && !headers.some(([k]) => k === "content-type")) headers.push(["content-type", "application/x-www-form-urlencoded"]);

  const { resolveSession } = await import("../credentials/resolve.ts");
  const credentials = await resolveSession(cat, s, env);

  if (a.presign) {
    const out = await presignUrl({ method, url, headers, service, region, credentials }, a.expires ?? 900);
    writeAll(1, Buffer.from(`${out}\n`));
    return EXIT.ok;
  }

  const body = await prepareBody(a.body, service, env);
  try {
    const signed = await signHeaders({
      method, url, headers, service, region, credentials,
      ...(body.kind === "memory" ? { body: body.bytes } : {}),
      ...(body.kind === "file" ? { payloadHash: body.payloadHash } : {}),
    });
    // A repeated name is signed as "v1,v2" but sent as separate lines, as curl sends it.
    const wire: Array<[string, string | string[]]> = Object.entries(signed).map(([k, v]) => {
      const values = headers.filter(([n]) => n === k).map(([, x]) => x);
      return [k, values.length > 1 ? values : v];
    });
    const ctl = new AbortController();
    const timer = a.maxTime !== undefined ? setTimeout(() => ctl.abort(), a.maxTime * 1000) : undefined;
    try {
      const answer = await send(url, method, wire, body, a.maxTime, ctl.signal);
      return await deliver(answer, a, method, url, service);
    } catch (e) {
      if (e instanceof TimedOut || ctl.signal.aborted) throw new SesameError("curl.timeout", `curl: no complete answer from ${safe(url.host)} within ${a.maxTime} s (--max-time)`, CURL_EXIT.timeout, "raise --max-time, or check the endpoint");
      if (e instanceof NetworkError) throw new SesameError("curl.network", `curl: ${method} ${safe(url.host)} failed: ${safe(e.message)}`, CURL_EXIT.network, "check the URL and the network");
      throw e;
    } finally {
      if (timer) clearTimeout(timer);
    }
  } finally {
    if (body.kind === "file") body.cleanup();
  }
}

async function deliver(ans: Answer, a: ReturnType<typeof parseCurlArgs>, method: string, url: URL, service: string): Promise<number> {
  let first: Uint8Array[] = [];
  if (ans.status >= 400) {
    // Read a bounded amount to learn AWS's error code; a larger answer is passed through as it is.
    let size = 0;
    const it = ans.res[Symbol.asyncIterator]();
    let done = false;
    while (size <= ERROR_PEEK) {
      const r = await it.next();
      if (r.done) {
        done = true;
        break;
      }
      first.push(r.value as Buffer);
      size += (r.value as Buffer).length;
    }
    if (done) {
      const info = awsErrorOf(ans.res.headers, Buffer.concat(first));
      if ((ans.status === 401 || ans.status === 403) && info.code) {
        throw new AwsRefused(`curl: ${service}`, `${method} ${safe(url.host)}`, info.code, info.message ?? "", "check the session's permissions, --service and --region");
      }
      if (a.fail) {
        throw new SesameError("curl.http", `curl: ${method} ${safe(url.host)} answered HTTP ${ans.status}${info.code ? ` ${info.code}` : ""}${info.message ? `: ${info.message}` : ""}`, CURL_EXIT.httpError);
      }
    } else if (a.fail) {
      ans.res.destroy();
      throw new SesameError("curl.http", `curl: ${method} ${safe(url.host)} answered HTTP ${ans.status}`, CURL_EXIT.httpError);
    }
    // the rest of the stream follows `first`
    return await write(ans, a, first, it);
  }
  return await write(ans, a, first, ans.res[Symbol.asyncIterator]());
}

async function write(ans: Answer, a: ReturnType<typeof parseCurlArgs>, first: Uint8Array[], rest: AsyncIterator<unknown>): Promise<number> {
  let fd = 1;
  let tmpDir: string | undefined;
  let tmp: string | undefined;
  if (a.output !== undefined && a.output !== "-") {
    // Written beside the target and renamed at the end: an interrupted download never leaves half a file.
    try {
      tmpDir = mkdtempSync(join(dirname(a.output), `.${basename(a.output)}.sesame-`));
      tmp = join(tmpDir, "part");
      fd = openSync(tmp, "wx", 0o600);
    } catch (e) {
      if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
      throw new UsageError(`curl: cannot write ${JSON.stringify(a.output)}: ${(e as NodeJS.ErrnoException).code ?? "error"}`, "check the folder exists and is writable");
    }
  }
  try {
    if (a.include) writeAll(fd, Buffer.from(headBlock(ans), "latin1"));
    for (const c of first) writeAll(fd, c);
    for (;;) {
      const r = await rest.next();
      if (r.done) break;
      writeAll(fd, r.value as Buffer);
    }
    if (tmp) {
      closeSync(fd);
      fd = -1;
      renameSync(tmp, a.output!);
    }
  } finally {
    if (tmp && fd !== -1) closeSync(fd);
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  }
  return EXIT.ok;
}

/** Untrusted text (a host, a network error) on one terminal line. */
function safe(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
}
