// Issue 16 items 8–11, 13, 15–17 and issue 9 items 7, 11, 12 through the compiled binary: what the command
// line accepts, what reaches the terminal, and how sesame exits.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, CHAIN_CATALOG, runBinary, storeAliceKey, world, type World } from "./harness.ts";

let w: World;
beforeAll(async () => {
  w = await world();
  await storeAliceKey(w);
});
afterAll(() => w.stop());

const ESC = "\x1b";

describe("flags and help", () => {
  test("an unknown global flag is one line and exit 2, never help on stdout (and its value is not echoed)", async () => {
    for (const args of [["--bogus", "list"], ["--bogus"], ["--token=SECRETVALUE", "credential-process", "prod"]]) {
      const r = await w.run(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.split("\n")).toHaveLength(2);
      expect(r.stderr).toMatch(/^sesame: unknown option --(bogus|token) — run: sesame --help\n$/);
      expect(r.stderr).not.toContain("SECRETVALUE");
    }
  });

  test("credential-process X --token=VALUE does not echo VALUE", async () => {
    const r = await w.run(["credential-process", "prod", "--token=SECRETVALUE"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option --token for credential-process");
    expect(r.stderr).not.toContain("SECRETVALUE");
  });

  test("every command answers --help, and `sesame help [CMD]` is the same", async () => {
    const cp = await w.run(["credential-process", "--help"]);
    expect(cp.code).toBe(0);
    expect(cp.stdout).toContain("--no-cache");
    expect(cp.stdout).toContain("print credentials for NAME");
    const top = await w.run(["help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain("credential-process <name>");
    const wants: Record<string, string[]> = {
      secret: ["secret set|delete NAME", "sesame secret set NAME", "sesame secret delete NAME"],
      cache: ["cache clear"],
      profiles: ["profiles sync [--dry-run]"],
      sso: ["sso sync SSO", "--no-prune"],
      exec: ["exec NAME -- COMMAND", "-- aws s3 ls"],
      list: ["--json"],
    };
    for (const [cmd, parts] of Object.entries(wants)) {
      for (const form of [[cmd, "--help"], ["help", cmd]]) {
        const r = await w.run(form);
        expect(r.code).toBe(0);
        for (const p of parts) expect(r.stdout).toContain(p);
      }
    }
  });

  test("a mistyped command gets a did-you-mean, exit 2", async () => {
    for (const args of [["lst"], ["help", "lst"]]) {
      const r = await w.run(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe('sesame: unknown command "lst" — did you mean "list"?\n');
    }
  });

  test("--config before credential-process means what it means before list", async () => {
    const missing = join(w.home, "elsewhere", "sessions.toml");
    for (const cmd of ["credential-process", "list"]) {
      const args = cmd === "list" ? ["--config", missing, "list"] : ["--config", missing, "credential-process", "prod"];
      const r = await w.run(args);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(`${missing}: no catalog here`);
    }
    const eq = await w.run([`--config=${missing}`, "--verbose", "credential-process", "prod"]);
    expect(eq.code).toBe(3);
    expect(eq.stderr).toContain(missing);
    // and the one after the command wins
    const after = await w.run(["--config", missing, "credential-process", "prod", "--config", w.catalog]);
    expect(after.code).toBe(0);
  });
});

describe("session names", () => {
  test("a missing session is a usage error (exit 2) with a did-you-mean", async () => {
    const r = await w.run(["credential-process", "prd"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`sesame: no session named "prd" in ${w.catalog} — did you mean "prod"?\n`);
    const far = await w.run(["credential-process", "zzzzzzzz"]);
    expect(far.code).toBe(2);
    expect(far.stderr).toContain("known sessions: alice, dev, prod");
  });

  test("a big catalog: the nearest few and the count, not 500 characters cut mid-name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sesame-big-"));
    const file = join(dir, "sessions.toml");
    writeFileSync(file, Array.from({ length: 300 }, (_, i) => `[session.team-account-${i}-readonly]\ntype = "iam-user"\n`).join("\n"));
    const r = await w.run(["--config", file, "credential-process", "xyz"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/— nearest: [\w-]+, [\w-]+, [\w-]+ \(300 sessions; run: sesame list\)\n$/);
    expect(r.stderr.length).toBeLessThan(300);
  });
});

describe("regions: one rule everywhere", () => {
  const NO_REGION = `
[sso-session.corp]
sso_start_url = "https://corp.awsapps.com/start"
sso_region = "eu-central-1"

[session.alice]
type = "iam-user"

[session.dev]
type = "assume-role"
source = "alice"
role_arn = "arn:aws:iam::222222222222:role/Dev"

[session.ro]
type = "sso"
sso_session = "corp"
sso_account_id = "444444444444"
sso_role_name = "ReadOnly"
`;
  test("no region anywhere: list shows none and exec sets none; an sso session takes its sso_region", async () => {
    w.writeCatalog(NO_REGION);
    try {
      const l = await w.run(["list", "--json"]);
      expect(l.code).toBe(0);
      const rows = JSON.parse(l.stdout) as { name: string; region: string | null }[];
      expect(Object.fromEntries(rows.map((r) => [r.name, r.region]))).toEqual({ alice: null, dev: null, ro: "eu-central-1" });
      const table = await w.run(["list"]);
      expect(table.stdout).toMatch(/\ndev +assume-role +222222222222 +Dev +- /);
      const e = await w.run(["exec", "dev", "--", "sh", "-c", "echo region=${AWS_REGION:-none}"]);
      expect(e.code).toBe(0);
      expect(e.stdout).toBe("region=none\n");
      const sync = await w.run(["profiles", "sync", "--dry-run"]);
      expect(sync.code).toBe(0);
      expect(sync.stdout).toMatch(/\[profile ro\][^[]*region = eu-central-1/);
      expect(sync.stdout).not.toMatch(/\[profile dev\][^[]*region =/);
    } finally {
      w.writeCatalog(CHAIN_CATALOG);
    }
  });
});

describe("the terminal", () => {
  test("an AWS error message with escape sequences reaches stderr with them made visible", async () => {
    w.emu.faults.error("AssumeRole", "AccessDenied", `denied${ESC}]0;pwned${"\x07"}${ESC}[2J\u202Eevil`, 403);
    const r = await w.run(["credential-process", "dev", "--no-cache"]);
    expect(r.code).toBe(5);
    expect(r.stderr).not.toContain(ESC);
    expect(r.stderr).not.toContain("\x07");
    expect(r.stderr).not.toContain("\u202E");
    expect(r.stderr).toContain("denied\\x1b]0;pwned\\x07\\x1b[2J\\u202eevil");
    expect(r.stderr.split("\n")).toHaveLength(2);
  });

  test("catalog values with escape sequences: the error line and the list table", async () => {
    w.writeCatalog(`[session.alice]\ntype = "iam-user"\n"x\\u001b[31m" = 1\n`);
    try {
      const r = await w.run(["list"]);
      expect(r.code).toBe(3);
      expect(r.stderr).not.toContain(ESC);
      expect(r.stderr).toContain('unknown key "x\\x1b[31m"');
    } finally {
      w.writeCatalog(CHAIN_CATALOG);
    }
    w.writeCatalog(`[sso-session.corp]\nsso_start_url = "https://corp.awsapps.com/start"\nsso_region = "eu-central-1"\n\n[session.ro]\ntype = "sso"\nsso_session = "corp"\nsso_account_id = "444444444444"\nsso_role_name = "Read\\u001b]0;pwned\\u0007Only"\n`);
    try {
      const r = await w.run(["list"]);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(ESC);
      expect(r.stdout).toContain("Read\\x1b]0;pwned\\x07Only");
    } finally {
      w.writeCatalog(CHAIN_CATALOG);
    }
  });

  test("a closed pipe ends quietly with 128+SIGPIPE, as other Unix tools do", async () => {
    const errFile = join(w.home, "epipe.err");
    // `true` has exited long before sesame writes: its stdout is a pipe with no reader
    const r = await runBinary(["bash", "-c", `exec 3>&1; ( "$0" list 2>"$1"; echo "rc=$?" >&3 ) | true`, BIN, errFile], w.env);
    expect(r.stdout).toBe("rc=141\n");
    expect(readFileSync(errFile, "utf8")).toBe("");
  });
});

describe("the process", () => {
  test("without USER/LOGNAME/USERNAME the role session name comes from the user database by uid", async () => {
    const uid = process.getuid!();
    const user = readFileSync("/etc/passwd", "utf8").split("\n").map((l) => l.split(":")).find((f) => f[2] === String(uid))![0]!;
    const before = w.emu.callsFor("AssumeRole").length;
    const r = await w.run(["credential-process", "dev", "--no-cache"], { env: { USER: undefined, LOGNAME: undefined, USERNAME: undefined } });
    expect(r.code).toBe(0);
    const ar = w.emu.callsFor("AssumeRole").slice(before);
    expect(ar[0]!.params.RoleSessionName).toBe(`sesame-${user}`);
  });

  test.skipIf(process.platform !== "linux")("no core dumps: credential-process on a miss, waiting for STS, has a soft core limit of 0", async () => {
    expect((await w.run(["cache", "clear"])).code).toBe(0);
    w.emu.faults.delay("AssumeRole", 3000);
    const child = spawn("bash", ["-c", `ulimit -S -c "$(ulimit -H -c)"; exec "$0" credential-process dev`, BIN], { env: w.env, stdio: ["pipe", "pipe", "pipe"] });
    try {
      expect(await coreLimitOf(child.pid!)).toMatch(/^Max core file size +0 /m);
    } finally {
      child.kill("SIGKILL");
    }
  });

  test.skipIf(process.platform !== "linux")("no core dumps: a sesame waiting for input has a soft core limit of 0", async () => {
    // started with the soft limit raised (the hard one is left alone), waiting for a key on stdin
    const child = spawn("bash", ["-c", `ulimit -S -c "$(ulimit -H -c)"; exec "$0" secret set alice`, BIN], { env: w.env, stdio: ["pipe", "pipe", "pipe"] });
    try {
      expect(await coreLimitOf(child.pid!)).toMatch(/^Max core file size +0 /m);
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe("runtime variables (docs/environment.md)", () => {
  test("NODE_OPTIONS loads nothing into the binary; BUN_OPTIONS does (Bun 1.4.5 has no switch to stop it: documented)", async () => {
    const marker = join(w.home, "evil-ran");
    const evil = join(w.home, "evil.js");
    writeFileSync(evil, `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x");`);
    const node = await w.run(["--version"], { env: { NODE_OPTIONS: `--require ${evil}` } });
    expect(node.code).toBe(0);
    expect(() => readFileSync(marker)).toThrow();
    // If this starts failing, Bun stopped honouring BUN_OPTIONS in compiled binaries: update docs/environment.md.
    const bun = await w.run(["--version"], { env: { BUN_OPTIONS: `--preload ${evil}` } });
    expect(bun.code).toBe(0);
    expect(readFileSync(marker, "utf8")).toBe("x");
  });
});

/** The core-size line of /proc/PID/limits once sesame (not yet bash) runs there and has set it to 0, or the last seen. */
async function coreLimitOf(pid: number): Promise<string> {
  let line = "";
  for (let i = 0; i < 100; i++) {
    await Bun.sleep(50);
    try {
      line = readFileSync(`/proc/${pid}/limits`, "utf8").split("\n").find((l) => l.startsWith("Max core file size")) ?? "";
      if (/ 0 /.test(line) && !readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("bash")) break;
    } catch {
      break; // exited
    }
  }
  return line;
}
