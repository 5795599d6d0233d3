// sesame console as people use it, through dist/sesame against the emulator's federation endpoint: the
// destination of --service / --region, partitions, --duration within what the credentials allow,
// --logout-first, and the --browser launch templates with fake browsers on PATH (each still gets only the
// private hand-off page, never the sign-in URL).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SIGNIN_PATH, signinService, type SigninService } from "../emulator/signin.ts";
import { CHAIN_CATALOG, storeAliceKey, world, type World } from "./harness.ts";

const CATALOG = `${CHAIN_CATALOG.replace("[defaults]\n", "[defaults]\nrefresh_margin = 300\n")}
[session.short]
type = "assume-role"
source = "alice"
role_arn = "arn:aws:iam::222222222222:role/Dev"
duration_seconds = 1200

[session.china]
type = "iam-user"
region = "cn-north-1"
`;

let w: World;
let signin: SigninService;
const logouts: string[] = [];

beforeAll(async () => {
  w = await world(CATALOG);
  await storeAliceKey(w);
  const r = await w.run(["secret", "set", "china"], { stdin: `${w.alice.accessKeyId}\n${w.alice.secretAccessKey}\n` });
  if (r.code !== 0) throw new Error(r.stderr);
  signin = signinService();
  w.emu.registerRoute("GET", SIGNIN_PATH, signin.handler);
  // the console's sign-out: records the call and goes on to redirect_uri, as AWS's does
  w.emu.registerRoute("GET", "/signin/oauth", (req) => {
    const q = new URLSearchParams(req.url.search);
    logouts.push(q.get("Action") ?? "");
    return { status: 302, headers: { Location: q.get("redirect_uri") ?? "" } };
  });
  w.env.SESAME_SIGNIN_URL = `${w.emu.url}${SIGNIN_PATH}`;
});
afterAll(() => w.stop());

async function follow(url: string): Promise<{ status: number; location: string | null }> {
  const res = await fetch(url, { redirect: "manual" });
  return { status: res.status, location: res.headers.get("location") };
}

function destinationOf(url: string): string {
  return new URL(url).searchParams.get("Destination")!;
}

describe("destination", () => {
  test("--service and --region build the console page; global services take no region", async () => {
    const cases: [string[], string][] = [
      [["--service", "ec2"], "https://console.aws.amazon.com/ec2/home?region=eu-west-1"],
      [["--service", "lambda", "--region", "us-east-2"], "https://console.aws.amazon.com/lambda/home?region=us-east-2"],
      [["--service", "iam", "--region", "us-east-2"], "https://console.aws.amazon.com/iam/home"],
      [["--service", "route53"], "https://console.aws.amazon.com/route53/v2/home"],
      [["--service", "s3", "--region", "us-west-2"], "https://console.aws.amazon.com/s3/buckets?region=us-west-2"],
      [["--region", "eu-central-1"], "https://console.aws.amazon.com/console/home?region=eu-central-1"],
    ];
    for (const [flags, dest] of cases) {
      const r = await w.run(["console", "alice", "--print", ...flags]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const url = r.stdout.trim();
      expect(destinationOf(url)).toBe(dest);
      expect(await follow(url)).toEqual({ status: 302, location: dest });
    }
  });

  test("an unknown service is refused in one line that points at --destination (status 2)", async () => {
    const r = await w.run(["console", "alice", "--print", "--service", "ec3"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain('--service "ec3" is not one sesame knows (it knows ec2, s3, iam');
    expect(r.stderr).toContain("--destination");
  });

  test("--destination must be a console page of the session's partition", async () => {
    const ok = await w.run(["console", "alice", "--print", "--destination", "https://eu-west-1.console.aws.amazon.com/ec2/home"]);
    expect(ok.code).toBe(0);
    expect(destinationOf(ok.stdout.trim())).toBe("https://eu-west-1.console.aws.amazon.com/ec2/home");
    const bad = await w.run(["console", "alice", "--print", "--destination", "https://evil.example/aws.amazon.com"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("is not a console page of the aws partition");
    const both = await w.run(["console", "alice", "--print", "--service", "ec2", "--destination", "https://console.aws.amazon.com/"]);
    expect(both.code).toBe(2);
  });
});

describe("partitions", () => {
  test("a session in cn-north-1 opens console.amazonaws.cn; another partition's region or page is refused", async () => {
    const r = await w.run(["console", "china", "--print", "--service", "ec2"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(destinationOf(r.stdout.trim())).toBe("https://console.amazonaws.cn/ec2/home?region=cn-north-1");
    const home = await w.run(["console", "china", "--print"]);
    expect(destinationOf(home.stdout.trim())).toBe("https://console.amazonaws.cn/console/home?region=cn-north-1");
    const region = await w.run(["console", "china", "--print", "--region", "us-east-1"]);
    expect(region.code).toBe(2);
    expect(region.stderr.trim()).toBe("sesame: --region us-east-1 is in the aws partition, but the session signs in to aws-cn — pick a region of aws-cn, or a session of aws");
    const page = await w.run(["console", "china", "--print", "--destination", "https://console.aws.amazon.com/s3/home"]);
    expect(page.code).toBe(2);
    expect(page.stderr).toContain("not a console page of the aws-cn partition (*.amazonaws.cn)");
  });
});

describe("--duration", () => {
  test("an iam-user's console session lasts what it asks", async () => {
    w.emu.resetCalls();
    const r = await w.run(["console", "alice", "--print", "--duration", "7200"]);
    expect(r.code).toBe(0);
    expect(w.emu.callsFor("GetFederationToken")[0]!.params.DurationSeconds).toBe("7200");
    await follow(r.stdout.trim());
    expect(signin.logins.at(-1)!.sessionSeconds).toBeGreaterThan(7100);
  });

  test("a chained role: more than 1 hour is refused in one line (status 2); up to 1 hour is taken, without SessionDuration", async () => {
    const more = await w.run(["console", "dev", "--print", "--duration", "7200"]);
    expect(more.code).toBe(2);
    expect(more.stdout).toBe("");
    expect(more.stderr.trim()).toBe("sesame: --duration 7200: an assume-role session is a role assumed with temporary credentials (role chaining), whose console session federation caps at 1 hour — ask for 3600 seconds or less, or leave --duration out");
    w.emu.resetCalls();
    const hour = await w.run(["console", "dev", "--print", "--duration", "3600"]);
    expect(hour.code).toBe(0);
    expect(w.emu.callsFor("getSigninToken", "signin")[0]!.params.SessionDuration).toBeUndefined();
    expect((await follow(hour.stdout.trim())).status).toBe(302);
    expect(signin.logins.at(-1)!.identity.arn).toContain(":assumed-role/Dev/");
    expect(hour.stderr).toBe("");
  });

  test("a chained role whose credentials last less than asked: said in one line", async () => {
    const r = await w.run(["console", "short", "--print", "--duration", "3600"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^sesame: note: the console session of "short" lasts as long as the role's credentials: (19|20) minutes \(a chained role's console session cannot be set, at most 1 hour\)\n$/);
    await follow(r.stdout.trim());
    expect(signin.logins.at(-1)!.sessionSeconds).toBeLessThanOrEqual(1200);
  });
});

describe("--logout-first", () => {
  test("the console's sign-out comes first and goes on to the sign-in", async () => {
    const r = await w.run(["console", "alice", "--print", "--logout-first", "--service", "iam"]);
    expect(r.code).toBe(0);
    const url = r.stdout.trim();
    expect(url).toStartWith(`${w.emu.url}/signin/oauth?Action=logout&redirect_uri=${encodeURIComponent(`${w.env.SESAME_SIGNIN_URL}?Action=login&`)}`);
    const out = await follow(url);
    expect(logouts.at(-1)).toBe("logout");
    expect(out.status).toBe(302);
    expect(await follow(out.location!)).toEqual({ status: 302, location: "https://console.aws.amazon.com/iam/home" });
  });
});

describe("--browser", () => {
  // Fake browsers on PATH (firefox, google-chrome, chromium, my-browser): each records its argv (one word a line),
  // finds the file: page in it (inside the ext+container: URL for Firefox), reads the loopback link from the
  // page and fetches it without following, recording status and Location.
  let bin: string;
  const rec = (name: string) => join(w.home, `${name}.argv`);
  const forget = (name: string) => {
    rmSync(rec(name), { force: true });
    rmSync(`${rec(name)}.loc`, { force: true });
  };
  beforeAll(() => {
    bin = join(w.home, "bin");
    mkdirSync(bin);
    const fetcher = join(bin, "fetcher.ts");
    writeFileSync(fetcher, `const fs = require("node:fs");
const [out, ...args] = process.argv.slice(2);
fs.writeFileSync(out + ".tmp", args.join("\\n")); fs.renameSync(out + ".tmp", out);
while (process.env.GATE && !fs.existsSync(process.env.GATE)) await Bun.sleep(10);
const c = args.find((a) => a.startsWith("ext+container:"));
let link;
if (c) link = new URLSearchParams(c.slice("ext+container:".length)).get("url"); // the extension opens it
else link = /url=(http:[^"]+)"/.exec(fs.readFileSync(new URL(args.find((a) => a.includes("file:")).replace(/^.*?(?=file:)/, "")), "utf8"))[1];
const r = await fetch(link, { redirect: "manual" });
fs.writeFileSync(out + ".loc.tmp", r.status + " " + r.headers.get("location")); fs.renameSync(out + ".loc.tmp", out + ".loc");
`);
    for (const name of ["firefox", "google-chrome", "chromium", "my-browser"]) {
      writeFileSync(join(bin, name), `#!/bin/sh\nexec "${process.execPath}" "${fetcher}" "${rec(name)}" "$@"\n`, { mode: 0o755 });
    }
  });

  async function waitFor(file: string): Promise<string> {
    for (let i = 0; i < 250 && !existsSync(file); i++) await Bun.sleep(20);
    return readFileSync(file, "utf8");
  }

  async function launch(name: string, browser: string, session = "alice", linkInArgv = false): Promise<string[]> {
    forget(name);
    const r = await w.run(["console", session, "--browser", browser, "--service", "ec2"], { env: { PATH: `${bin}:${w.env.PATH}`, BROWSER: undefined, DISPLAY: undefined } });
    expect(r.stderr).toContain(`opened the AWS console as "${session}" in the browser`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const argv = (await waitFor(rec(name))).split("\n");
    const [status, location] = (await waitFor(`${rec(name)}.loc`)).split(" ") as [string, string];
    expect(status).toBe("302");
    expect(location).toStartWith(`${w.env.SESAME_SIGNIN_URL}?Action=login&`);
    // the command line holds the private page only: no sign-in token, no loopback link
    const token = new URL(location).searchParams.get("SigninToken")!;
    for (const a of argv) {
      expect(a).not.toContain(token);
      if (!linkInArgv) expect(a).not.toContain("127.0.0.1");
      expect(a).not.toContain("SigninToken");
    }
    expect(destinationOf(location)).toBe("https://console.aws.amazon.com/ec2/home?region=eu-west-1");
    return argv;
  }

  const PAGE = /^file:\/\/\/.*\/sesame-console-[^/]+\/sign-in\.html$/;

  // Firefox refuses file: URLs from extensions, so the container gets the one-time loopback link, which
  // answers only this user's connections (unit test "ownerOnly …" in test/unit/console/handoff.test.ts)
  test("firefox-container: the ext+container: URL, in a container named after the session or given", async () => {
    const argv = await launch("firefox", "firefox-container", "alice", true);
    expect(argv).toHaveLength(1);
    const q = new URLSearchParams(argv[0]!.slice("ext+container:".length));
    expect(argv[0]).toStartWith("ext+container:name=alice&url=http%3A%2F%2F127.0.0.1%3A");
    expect(q.get("url")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}$/);
    const named = await launch("firefox", "firefox-container:Work account", "alice", true);
    expect(named[0]).toStartWith("ext+container:name=Work%20account&url=");
  });

  test("firefox-container: another local user who takes the link from Firefox's command line gets 404; the user's own Firefox then signs in", async () => {
    const { spawnSync } = await import("node:child_process");
    const { secondLocalUser } = await import("./harness.ts");
    const user = await secondLocalUser();
    if (!user) return;
    const gate = join(w.home, "firefox-gate");
    forget("firefox");
    const running = w.run(["console", "alice", "--browser", "firefox-container"], { env: { PATH: `${bin}:${w.env.PATH}`, GATE: gate } });
    const argv = await waitFor(rec("firefox"));
    const link = new URLSearchParams(argv.slice("ext+container:".length)).get("url")!;
    const FETCH = "import sys, urllib.request, urllib.error\nclass N(urllib.request.HTTPRedirectHandler):\n    def redirect_request(self, *a): return None\ntry: r = urllib.request.build_opener(N).open(sys.argv[1], timeout=5); print(r.status)\nexcept urllib.error.HTTPError as e: print(e.code)\n";
    const other = spawnSync("runuser", ["-u", user, "--", "/usr/bin/python3", "-c", FETCH, link], { encoding: "utf8" });
    expect(other.stdout.trim()).toBe("404");
    writeFileSync(gate, "");
    const r = await running;
    expect(r.stderr).toContain('opened the AWS console as "alice" in the browser');
    expect(r.code).toBe(0);
    expect((await waitFor(`${rec("firefox")}.loc`)).split(" ")[0]).toBe("302");
  });

  test("chrome-profile / chromium-profile: a 0700 profile folder per session under sesame's data folder", async () => {
    const argv = await launch("google-chrome", "chrome-profile");
    const dir = join(w.home, ".local", "share", "sesame", "browser-profiles", "alice");
    expect(argv[0]).toBe(`--user-data-dir=${dir}`);
    expect(argv.at(-1)).toMatch(PAGE);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const other = await launch("chromium", "chromium-profile:team");
    expect(other[0]).toBe(`--user-data-dir=${join(w.home, ".local", "share", "sesame", "browser-profiles", "team")}`);
  });

  test("a command with {url}: split into words as a shell would, run without one", async () => {
    const argv = await launch("my-browser", `my-browser --profile "two words" it\\'s --open={url}`);
    expect(argv.slice(0, 3)).toEqual(["--profile", "two words", "it's"]);
    expect(argv[3]!.slice("--open=".length)).toMatch(PAGE);
  });

  test("a template that is none of these is refused before any credentials are fetched (status 2)", async () => {
    w.emu.resetCalls();
    for (const bad of ["firefox", "chrome-profile:../x", "'unclosed {url}"]) {
      const r = await w.run(["console", "alice", "--browser", bad]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(w.emu.callsFor("GetFederationToken")).toHaveLength(0);
  });
});
