// `sesame curl` through the compiled binary against the emulator's SigV4-checked API (test/emulator/signed-api.ts),
// signing as the assumed role "dev" of the harness chain (alice → dev).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { spawn } from "node:child_process";
import { BIN, storeAliceKey, world, type World } from "./harness.ts";
import { runRaw } from "./curl-harness.ts";

const DEV_ARN = "arn:aws:sts::222222222222:assumed-role/Dev/sesame-tester";

let w: World;
beforeAll(async () => {
  w = await world();
  await storeAliceKey(w);
});
afterAll(() => w.stop());

const oneLine = (stderr: string) => expect(stderr).toMatch(/^sesame: [^\n]+\n$/);

interface Echo {
  method: string;
  path: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  bodyLength: number;
  bodySha256: string;
  body?: string;
  caller: string;
  service: string;
  region: string;
}

async function curl(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string; echo?: Echo }> {
  const r = await w.run(["curl", "dev", ...args], stdin === undefined ? {} : { stdin });
  let echo: Echo | undefined;
  try {
    echo = JSON.parse(r.stdout) as Echo;
  } catch {}
  return { ...r, ...(echo ? { echo } : {}) };
}

/** Deterministic pseudo-random bytes (not compressible, not all one value). */
function chunkOf(i: number, size: number): Buffer {
  const block = createHash("sha512").update(`seed-${i}`).digest();
  return Buffer.concat(Array.from({ length: Math.ceil(size / block.length) }, () => block)).subarray(0, size);
}

describe("sesame curl: signed requests the emulator verifies", () => {
  test("GET with a query string that needs canonical encoding (order, spaces, plus, UTF-8, empty values, reserved characters)", async () => {
    const r = await curl(["--service", "execute-api", "--region", "eu-west-1", `${w.emu.url}/signed/items/a b/ሴ?b=2&a=1&A=0&sp=x%20y&plus=a+b&utf=%E1%88%B4&empty=&bare&t=~*!'()&a=0`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.echo!.caller).toBe(DEV_ARN);
    expect(r.echo!.method).toBe("GET");
    expect(r.echo!.path).toBe("/signed/items/a%20b/%E1%88%B4");
    expect(r.echo!.query).toContainEqual(["plus", "a+b"]);
    expect(r.echo!.query).toContainEqual(["utf", "ሴ"]);
    expect(r.echo!.service).toBe("execute-api");
    expect(r.echo!.region).toBe("eu-west-1");
  });

  test("POST with JSON (-d), service and region inferred from the Host name", async () => {
    const r = await curl(["-H", "Content-Type: application/json", "-d", '{"name":"é","n":1}', "-H", "Host: abc123.execute-api.us-west-2.amazonaws.com", `${w.emu.url}/signed/post`]);
    expect(r.code).toBe(0);
    expect(r.echo!.method).toBe("POST");
    expect(r.echo!.body).toBe('{"name":"é","n":1}');
    expect(r.echo!.headers["content-type"]).toBe("application/json");
    expect(r.echo!.headers.authorization).toContain("SignedHeaders=content-type;host;");
    expect(r.echo!.service).toBe("execute-api");
    expect(r.echo!.region).toBe("us-west-2");
  });

  test("-d twice joins with & and defaults to a form content type; -X overrides the method", async () => {
    const dir = mkdtempSync(join(w.home, "d-"));
    writeFileSync(join(dir, "f.txt"), "c=3\r\n");
    const r = await curl(["--service", "lambda", "-X", "PUT", "-d", "a=1", "--data", "b=2", "-d", `@${join(dir, "f.txt")}`, `${w.emu.url}/signed/form`]);
    expect(r.code).toBe(0);
    expect(r.echo!.method).toBe("PUT");
    expect(r.echo!.body).toBe("a=1&b=2&c=3");
    expect(r.echo!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
  });

  test("a header given several times goes out on several lines and is signed joined with commas", async () => {
    const r = await curl(["--service", "es", "-H", "X-Multi: one", "-H", "x-multi:  two ", "-H", "X-Other: z", `${w.emu.url}/signed/multi`]);
    expect(r.code).toBe(0);
    expect(r.echo!.headers["x-multi"]).toBe("one,two");
    expect(r.echo!.headers.authorization).toContain("x-multi;x-other");
  });

  test("-i prints the status line and headers first; -o writes the body to a file; binary bodies arrive byte for byte", async () => {
    const n = 300_000;
    const want = Buffer.alloc(n);
    for (let i = 0; i < n; i++) want[i] = i & 0xff;
    const raw = await runRaw(["curl", "dev", "-s", "--service", "execute-api", `${w.emu.url}/signed/bytes?n=${n}`], w.env);
    expect(raw.code).toBe(0);
    expect(raw.stdout.equals(want)).toBe(true);

    const inc = await runRaw(["curl", "dev", "-i", "--service", "execute-api", `${w.emu.url}/signed/bytes?n=10`], w.env);
    const text = inc.stdout.toString("latin1");
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain("Content-Type: application/octet-stream\r\n");
    expect(inc.stdout.subarray(inc.stdout.indexOf("\r\n\r\n") + 4).equals(want.subarray(0, 10))).toBe(true);

    const out = join(mkdtempSync(join(w.home, "o-")), "body.bin");
    const o = await runRaw(["curl", "dev", "-o", out, "--service", "execute-api", `${w.emu.url}/signed/bytes?n=${n}`], w.env);
    expect(o.code).toBe(0);
    expect(o.stdout.length).toBe(0);
    expect(readFileSync(out).equals(want)).toBe(true);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  test("-f: exit 22 and no body on an HTTP error; without -f the body is printed", async () => {
    const withF = await curl(["-f", "--service", "execute-api", `${w.emu.url}/nothing-here`]);
    expect(withF.code).toBe(22);
    expect(withF.stdout).toBe("");
    oneLine(withF.stderr);
    expect(withF.stderr).toContain("HTTP 404");
    const without = await curl(["--service", "execute-api", `${w.emu.url}/nothing-here`]);
    expect(without.code).toBe(0);
    expect(without.stdout).toContain("no emulated service");
  });

  test("a refused signature is one line with AWS's error code, nothing on stdout", async () => {
    w.emu.advanceClock(20 * 60); // the request's X-Amz-Date is now 20 minutes behind AWS's clock
    try {
      const r = await curl(["--service", "execute-api", `${w.emu.url}/signed/x`]);
      expect(r.code).toBe(5);
      expect(r.stdout).toBe("");
      oneLine(r.stderr);
      expect(r.stderr).toContain("SignatureDoesNotMatch");
      expect(r.stderr).toContain("Signature expired");
    } finally {
      w.emu.advanceClock(-20 * 60);
    }
  });

  test("an endpoint's error text reaches the terminal without control characters", async () => {
    w.emu.registerRoute("GET", "/hostile", async () => ({
      status: 403,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ __type: "AccessDenied\u001b[2J", message: "no\u001b]0;owned\u0007 way\nsecond line" }),
    }));
    const r = await curl(["--service", "execute-api", `${w.emu.url}/hostile`]);
    expect(r.code).toBe(5);
    oneLine(r.stderr);
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(r.stderr).toContain("AccessDenied");
  });

  test("--max-time gives up on a slow answer with exit 28", async () => {
    w.emu.registerRoute("GET", "/slow", async () => {
      await sleep(5000);
      return { status: 200, body: "late" };
    });
    const r = await curl(["--max-time", "0.3", "--service", "execute-api", `${w.emu.url}/slow`]);
    expect(r.code).toBe(28);
    oneLine(r.stderr);
    expect(r.stdout).toBe("");
  });

  test("an endpoint that cannot be reached is one line with exit 56", async () => {
    const r = await curl(["--service", "execute-api", "--region", "eu-west-1", "http://127.0.0.1:1/x"]);
    expect(r.code).toBe(56);
    oneLine(r.stderr);
    expect(r.stdout).toBe("");
  });

  test("usage errors are one line with exit 2: unknown host service, reserved header, unknown flag, bad URL", async () => {
    for (const args of [
      [`${w.emu.url}/signed/x`],
      ["--service", "es", "-H", "Authorization: x", `${w.emu.url}/signed/x`],
      ["--service", "es", "-H", "Date: Fri, 24 May 2013 00:00:00 GMT", `${w.emu.url}/signed/x`],
      ["--location", `${w.emu.url}/signed/x`],
      ["--service", "es", "not a url"],
      ["--service", "es", "--data-binary", "@-", "-d", "x", `${w.emu.url}/signed/x`],
    ]) {
      const r = await curl(args);
      expect(r.code).toBe(2);
      oneLine(r.stderr);
      expect(r.stdout).toBe("");
    }
  });
});

describe("sesame curl: streamed bodies", () => {
  test("--data-binary @FILE: hashed for execute-api, UNSIGNED-PAYLOAD for s3, bytes intact", async () => {
    const file = join(mkdtempSync(join(w.home, "f-")), "body.bin");
    const data = Buffer.concat(Array.from({ length: 40 }, (_, i) => chunkOf(i, 131072)));
    writeFileSync(file, data);
    const sha = createHash("sha256").update(data).digest("hex");
    const api = await curl(["--service", "execute-api", "--data-binary", `@${file}`, `${w.emu.url}/signed/up`]);
    expect(api.code).toBe(0);
    expect(api.echo!.bodySha256).toBe(sha);
    expect(api.echo!.headers["x-amz-content-sha256"]).toBe(sha);
    const s3 = await curl(["-X", "PUT", "--data-binary", `@${file}`, "-H", "Host: my-bucket.s3.eu-central-1.amazonaws.com", `${w.emu.url}/signed/key`]);
    expect(s3.code).toBe(0);
    expect(s3.echo!.service).toBe("s3");
    expect(s3.echo!.region).toBe("eu-central-1");
    expect(s3.echo!.headers["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
    expect(s3.echo!.bodySha256).toBe(sha);
  });

  test("--data-binary @- streams 50 MB from stdin with flat memory (peak RSS reported), and leaves no temporary copy", async () => {
    const feedMb = async (mb: number, stdin: NodeJS.WritableStream, h: ReturnType<typeof createHash>) => {
      for (let i = 0; i < mb * 8; i++) {
        const c = chunkOf(i, 131072);
        h.update(c);
        if (!stdin.write(c)) await new Promise((r) => stdin.once("drain", r));
      }
      stdin.end();
    };
    const tmp = mkdtempSync(join(w.home, "tmp-"));
    const env = { ...w.env, TMPDIR: tmp };
    const small = createHash("sha256");
    const base = await runRaw(["curl", "dev", "--service", "execute-api", "--data-binary", "@-", `${w.emu.url}/signed/up`], env, (s) => feedMb(1, s, small));
    expect(base.code).toBe(0);
    const big = createHash("sha256");
    const r = await runRaw(["curl", "dev", "--service", "execute-api", "--data-binary", "@-", `${w.emu.url}/signed/up`], env, (s) => feedMb(50, s, big));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const echo = JSON.parse(r.stdout.toString()) as Echo;
    expect(echo.bodyLength).toBe(50 * 1024 * 1024);
    expect(echo.bodySha256).toBe(big.digest("hex"));
    expect(echo.headers["x-amz-content-sha256"]).toBe(echo.bodySha256);
    console.log(`sesame curl peak RSS: 1 MB upload ${Math.round(base.peakRssKb / 1024)} MB, 50 MB upload ${Math.round(r.peakRssKb / 1024)} MB`);
    if (r.peakRssKb && base.peakRssKb) expect(r.peakRssKb - base.peakRssKb).toBeLessThan(40 * 1024) // a buffered body alone would add 50 MB;
    expect(readdir(tmp)).toEqual([]);
  });
  test("killed while reading stdin, it removes its temporary copy of the body", async () => {
    const tmp = mkdtempSync(join(w.home, "kill-"));
    const child = spawn(BIN, ["curl", "dev", "--service", "execute-api", "--data-binary", "@-", `${w.emu.url}/signed/up`], { env: { ...w.env, TMPDIR: tmp }, stdio: ["pipe", "ignore", "ignore"] });
    const closed = new Promise<number | null>((r) => child.on("close", (code, sig) => r(code ?? (sig === "SIGTERM" ? 143 : null))));
    child.stdin.on("error", () => {}); // EPIPE once sesame is gone
    child.stdin.write(Buffer.alloc(1 << 20, 1));
    // wait until the copy has begun, then stop sesame as a shell's kill would
    const copies = () => readdir(tmp).filter((d) => d.startsWith("sesame-curl-"));
    for (let i = 0; i < 200 && !copies().some((d) => readdir(join(tmp, d)).length > 0); i++) await sleep(25);
    expect(copies().length).toBe(1);
    child.kill("SIGTERM");
    expect(await closed).toBe(143);
    expect(copies()).toEqual([]);
  });
});

describe("sesame curl --presign", () => {
  test("prints a URL that works without credentials until it expires", async () => {
    const r = await curl(["--presign", "--expires", "60", "--service", "execute-api", `${w.emu.url}/signed/shared?x=1&y=a%20b`]);
    expect(r.code).toBe(0);
    const url = r.stdout.trim();
    expect(r.stdout.endsWith("\n")).toBe(true);
    expect(url).toContain("X-Amz-Expires=60");
    expect(url).toContain("X-Amz-Security-Token=");
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as Echo).caller).toBe(DEV_ARN);
    const tampered = await fetch(url.replace("x=1", "x=2"));
    expect(tampered.status).toBe(403);
    w.emu.advanceClock(120);
    try {
      const late = await fetch(url);
      expect(late.status).toBe(403);
      expect(await late.text()).toContain("expired");
    } finally {
      w.emu.advanceClock(-120);
    }
  });

  test("an S3 presigned URL (UNSIGNED-PAYLOAD, path signed as sent)", async () => {
    const r = await curl(["--presign", "-H", "Host: bucket.s3.us-east-2.amazonaws.com", `${w.emu.url}/signed/dir/file%20name.txt`]);
    expect(r.code).toBe(0);
    const res = await fetch(r.stdout.trim(), { headers: { host: "bucket.s3.us-east-2.amazonaws.com" } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Echo).service).toBe("s3");
  });

  test("S3 keys with characters a URL leaves as typed ($, parentheses, *) sign as S3 recomputes them", async () => {
    const host = ["-H", "Host: bucket.s3.eu-west-3.amazonaws.com"];
    const put = await curl(["-X", "PUT", "-d", "x", ...host, `${w.emu.url}/signed/k$ey(1)*.txt`]);
    expect(put.stderr).toBe("");
    expect(put.echo!.path).toBe("/signed/k$ey(1)*.txt");
    const pre = await curl(["--presign", ...host, `${w.emu.url}/signed/k$ey(1)*.txt`]);
    const res = await fetch(pre.stdout.trim(), { headers: { host: "bucket.s3.eu-west-3.amazonaws.com" } });
    expect(res.status).toBe(200);
  });

  test("--expires beyond 7 days or without --presign is refused in one line", async () => {
    for (const args of [["--presign", "--expires", "604801"], ["--expires", "60"]]) {
      const r = await curl([...args, "--service", "s3", `${w.emu.url}/signed/x`]);
      expect(r.code).toBe(2);
      oneLine(r.stderr);
    }
  });
});

function readdir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}
