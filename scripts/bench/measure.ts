// How the bench measures: wall time and max RSS of one process, quantiles, interleaved rounds, and a
// minimal signed STS client for the emulator's round trip (the floor of a cold call).
import { createHash, createHmac } from "node:crypto";
import { existsSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { DEV_ROLE, PROD_ROLE } from "../../test/e2e/harness.ts";
import type { CreatedUser } from "../../test/emulator/index.ts";
import { TIME } from "./options.ts";

export type Env = Record<string, string>;

export interface Run {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs processes in one working folder (the bench's temporary folder). */
export interface Runner {
  /** Wall time of one process, spawn to exit, with its output. */
  run(cmd: string[], env: Env, stdin?: string): Promise<Run>;
  /** run, and throw naming `what` unless it exits 0 */
  ok(cmd: string[], env: Env, what: string, stdin?: string): Promise<Run>;
  /** Max RSS in KiB (NaN when there is no waiter to measure it) */
  maxRssKiB(cmd: string[], env: Env): Promise<number>;
}

export function runner(cwd: string): Runner {
  const run = async (cmd: string[], env: Env, stdin?: string): Promise<Run> => {
    const t0 = performance.now();
    const p = Bun.spawn(cmd, { env, cwd, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { ms: performance.now() - t0, code, stdout, stderr };
  };
  return {
    run,
    ok: async (cmd, env, what, stdin) => {
      const r = await run(cmd, env, stdin);
      if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
      return r;
    },
    maxRssKiB: async (cmd, env) => {
      if (!rssWaiter) return NaN;
      const r = await run(rssWaiter(cmd), env);
      if (r.code !== 0) throw new Error(`${cmd.join(" ")} failed under the RSS waiter: ${r.stderr.trim()}`);
      return Number(r.stderr.trim().split("\n").at(-1));
    },
  };
}

/**
 * Max RSS in KiB through a small waiter (GNU time, else python3's wait4). Bun's own resourceUsage().maxRSS is
 * not usable here: Linux carries the RSS a child had between fork and exec — a copy of this bench, emulator
 * included — into its high-water mark, so every child would look at least as big as the bench.
 */
export const rssWaiter: ((cmd: string[]) => string[]) | undefined = existsSync(TIME)
  ? (cmd) => [TIME, "-f", "\n%M", ...cmd]
  : Bun.which("python3")
    ? (cmd) => ["python3", "-c", "import os,sys\npid=os.posix_spawn(sys.argv[1],sys.argv[1:],os.environ)\n_,st,ru=os.wait4(pid,0)\nsys.stderr.write('\\n%d\\n'%ru.ru_maxrss)\nsys.exit(os.waitstatus_to_exitcode(st))", ...cmd]
    : undefined;

export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
export const median = (xs: number[]) => quantile(xs, 0.5);

/** The same items every round, starting one further each round, so no item always runs first or last. */
export async function interleave(rounds: number, items: Array<{ name: string; once: () => Promise<number> }>): Promise<Map<string, number[]>> {
  const out = new Map(items.map((i) => [i.name, [] as number[]]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < items.length; k++) {
      const item = items[(r + k) % items.length]!;
      out.get(item.name)!.push(await item.once());
    }
  }
  return out;
}

/** Empties a cache folder of credentials and locks (the next call is cold). */
export function clearCredFiles(dir: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const f of names) if (f.endsWith(".cred") || f.endsWith(".lock")) unlinkSync(join(dir, f));
}

// ------------------------------------------------------- a minimal signed STS client (emulator round trip)

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const sha256hex = (s: string) => createHash("sha256").update(s).digest("hex");
const hmac = (key: string | Buffer, s: string) => createHmac("sha256", key).update(s).digest();

/** One SigV4-signed STS Query call over a fresh connection (as each hop of a new process makes one). */
async function stsCall(url: string, keys: Keys, params: Record<string, string>): Promise<Keys> {
  const region = "eu-west-1";
  const body = Object.entries({ ...params, Version: "2011-06-15" }).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  const u = new URL(url);
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded; charset=utf-8", host: u.host, "x-amz-date": amzDate };
  if (keys.sessionToken) headers["x-amz-security-token"] = keys.sessionToken;
  const names = Object.keys(headers).sort();
  const canonical = ["POST", "/", "", names.map((n) => `${n}:${headers[n]}\n`).join(""), names.join(";"), sha256hex(body)].join("\n");
  const scope = `${day}/${region}/sts/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256hex(canonical)].join("\n");
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${keys.secretAccessKey}`, day), region), "sts"), "aws4_request");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${keys.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${hmac(kSigning, toSign).toString("hex")}`;
  const res = await fetch(url, { method: "POST", headers, body, keepalive: false });
  const xml = await res.text();
  const tag = (t: string) => new RegExp(`<${t}>([^<]+)</${t}>`).exec(xml)?.[1];
  const out = { accessKeyId: tag("AccessKeyId"), secretAccessKey: tag("SecretAccessKey"), sessionToken: tag("SessionToken") };
  if (res.status !== 200 || !out.accessKeyId || !out.secretAccessKey || !out.sessionToken) throw new Error(`STS ${params.Action} → ${res.status}: ${xml.slice(0, 300)}`);
  return out as Keys;
}

/** The chain's three upstream calls, sequentially, exactly as sesame makes them. */
export async function chainByHand(url: string, alice: CreatedUser): Promise<Keys> {
  const session = await stsCall(url, alice, { Action: "GetSessionToken" });
  const dev = await stsCall(url, session, { Action: "AssumeRole", RoleArn: DEV_ROLE, RoleSessionName: "sesame-bench" });
  return stsCall(url, dev, { Action: "AssumeRole", RoleArn: PROD_ROLE, RoleSessionName: "sesame-bench", ExternalId: "prod-ext-42" });
}
