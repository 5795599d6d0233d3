// `sesame exec`, `sesame env` and `sesame whoami` through the compiled binary, against the emulator,
// with the 3-hop chain alice → dev → prod of the harness.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, CHAIN_CATALOG, parseProcessOutput, storeAliceKey, world, type ProcessCredentials, type World } from "./harness.ts";
import { AWS_CLI, childrenOf, FISH, hasAwsCli, hasFish, hasScript, procStrings, runTool, SCRIPT, shQuote, SYSTEM_PYTHON, toolEnv, waitFor, withTool } from "./clients-tools.ts";

const SIGNAL_CHILD = join(import.meta.dir, "clients-signal-child.ts");
const SIGWAIT_CHILD = join(import.meta.dir, "clients-sigwait.py");

const PROD_ARN = "arn:aws:sts::333333333333:assumed-role/Deploy/sesame-tester";

let w: World;
/** prod's credentials as sesame has cached them: what exec and env must hand over. */
let prod: ProcessCredentials;

beforeAll(async () => {
  w = await world();
  await storeAliceKey(w);
  const r = await w.run(["credential-process", "prod"]);
  if (r.code !== 0) throw new Error(`credential-process prod failed: ${r.stderr}`);
  prod = parseProcessOutput(r.stdout);
});
afterAll(() => w.stop());

const oneLine = (stderr: string) => expect(stderr).toMatch(/^sesame: [^\n]+\n$/);

/** What an outer environment may hold that must not reach (or survive into) the child. */
const STALE = { AWS_PROFILE: "stale-profile", AWS_DEFAULT_PROFILE: "stale-default", AWS_SECURITY_TOKEN: "stale-token", AWS_SESSION_TOKEN: "stale-session" };

function parseEnv(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) m.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return m;
}

/** Starts the binary in its own session (as the harness does) and keeps hold of the process. */
function start(args: string[], env: Record<string, string> = {}): { proc: ChildProcess; stdout: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const proc = spawn(BIN, args, { env: { ...w.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => proc.on("exit", (code, signal) => ok({ code, signal })));
  return { proc, stdout: () => out, exit };
}

/** Whatever happens in the test, nothing it started outlives it (the group is sesame's: setsid). */
function killGroup(proc: ChildProcess) {
  try {
    process.kill(-proc.pid!, "SIGKILL");
  } catch {
    /* already gone */
  }
}

describe("sesame exec", () => {
  test("the child gets the credentials, expiration, region and SESAME_SESSION, and no AWS_PROFILE nor SESAME_FILE_PASSPHRASE", async () => {
    w.emu.resetCalls();
    // the world's own passphrase when it uses the file keyring, else one that must not reach the child either
    const passphrase = w.env.SESAME_FILE_PASSPHRASE ?? "hunter2";
    const r = await w.run(["exec", "prod", "--", "/usr/bin/env"], { env: { ...STALE, UNRELATED: "kept", SESAME_FILE_PASSPHRASE: passphrase } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const env = parseEnv(r.stdout);
    expect(env.get("AWS_ACCESS_KEY_ID")).toBe(prod.AccessKeyId);
    expect(env.get("AWS_SECRET_ACCESS_KEY")).toBe(prod.SecretAccessKey);
    expect(env.get("AWS_SESSION_TOKEN")).toBe(prod.SessionToken);
    expect(env.get("AWS_CREDENTIAL_EXPIRATION")).toBe(prod.Expiration);
    expect(env.get("AWS_REGION")).toBe("eu-west-1");
    expect(env.get("AWS_DEFAULT_REGION")).toBe("eu-west-1");
    expect(env.get("SESAME_SESSION")).toBe("prod");
    for (const gone of ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"]) expect(env.has(gone)).toBe(false);
    expect(env.get("UNRELATED")).toBe("kept");
    expect(env.get("HOME")).toBe(w.home);
    expect(env.has("SESAME_FILE_PASSPHRASE")).toBe(false);
    expect(r.stdout).not.toContain(passphrase);
    expect(w.emu.calls).toHaveLength(0); // served from the cache
  });

  withTool(hasAwsCli, AWS_CLI, "the AWS CLI in the child works with those credentials alone", async () => {
    const r = await w.run(["exec", "prod", "--", AWS_CLI, "sts", "get-caller-identity", "--endpoint-url", w.emu.url, "--output", "json"], {
      env: { ...toolEnv({}), AWS_CONFIG_FILE: "/nonexistent/config", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials", ...STALE },
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).Arn).toBe(PROD_ARN);
    expect(w.emu.callsFor("GetCallerIdentity").at(-1)!.accessKeyId).toBe(prod.AccessKeyId);
  });

  test("stdin, stdout and the child's exit status pass through", async () => {
    const cat = await w.run(["exec", "prod", "--", "cat"], { stdin: "hello\nworld\n" });
    expect(cat).toEqual({ code: 0, stdout: "hello\nworld\n", stderr: "" });
    expect(await w.run(["exec", "prod", "--", "sh", "-c", "exit 7"])).toEqual({ code: 7, stdout: "", stderr: "" });
    expect(await w.run(["exec", "prod", "--", "sh", "-c", "echo to-stderr >&2; exit 0"])).toEqual({ code: 0, stdout: "", stderr: "to-stderr\n" });
  });

  test("a child killed by a signal: 128 + its number", async () => {
    expect(await w.run(["exec", "prod", "--", "sh", "-c", "kill -USR1 $$"])).toEqual({ code: 128 + 10, stdout: "", stderr: "" });
    expect(await w.run(["exec", "prod", "--", "sh", "-c", "kill -KILL $$"])).toEqual({ code: 128 + 9, stdout: "", stderr: "" });
  });

  test("everything after -- is the child's, even words that look like sesame's own flags", async () => {
    const r = await w.run(["exec", "prod", "--", "sh", "-c", 'printf "%s|" "$@"', "sh", "--config", "x", "--help", "--version", "-v", "--", "007", ""]);
    expect(r).toEqual({ code: 0, stdout: "--config|x|--help|--version|-v|--|007||", stderr: "" });
  });

  // Regression: main.ts once saw --verbose after `--` and logged into the child's stderr.
  test("--verbose after -- is the child's: sesame stays quiet", async () => {
    const r = await w.run(["exec", "prod", "--", "sh", "-c", 'printf "%s|" "$@"', "sh", "--verbose"]);
    expect(r).toEqual({ code: 0, stdout: "--verbose|", stderr: "" });
  });

  test("SIGTERM sent to sesame alone reaches the child, which traps it; its status is sesame's", async () => {
    const marker = join(w.home, "term-marker");
    // Bounded loop: if forwarding broke, the child still ends on its own (and killGroup ends it anyway).
    const script = `trap 'echo "got TERM" > "$MARK"; exit 42' TERM; echo ready; i=0; while [ $i -lt 500 ]; do sleep 0.02; i=$((i + 1)); done; exit 3`;
    const s = start(["exec", "prod", "--", "sh", "-c", script], { MARK: marker });
    try {
      await waitFor("the child to start", () => (s.stdout().includes("ready") ? true : undefined));
      process.kill(s.proc.pid!, "SIGTERM"); // sesame's pid only, not its process group
      expect(await s.exit).toEqual({ code: 42, signal: null });
      expect(readFileSync(marker, "utf8")).toBe("got TERM\n");
    } finally {
      killGroup(s.proc);
    }
  });

  test("SIGINT sent to sesame alone (no terminal) reaches the child once", async () => {
    const marker = join(w.home, "int-marker");
    const s = start(["exec", "prod", "--", process.execPath, SIGNAL_CHILD], { MARK: marker });
    try {
      await waitFor("the child to start", () => (s.stdout().includes("ready") ? true : undefined));
      process.kill(s.proc.pid!, "SIGINT");
      await waitFor("the child to get SIGINT", () => (existsSync(marker) ? true : undefined));
      // sesame handles its signals in order: the SIGTERM forwarded now comes after any SIGINT it forwarded
      process.kill(s.proc.pid!, "SIGTERM");
      expect(await s.exit).toEqual({ code: 0, signal: null });
      expect(readFileSync(marker, "utf8")).toBe("SIGINT\nSIGTERM\n");
    } finally {
      killGroup(s.proc);
    }
  });

  // Issue 16 item 12: SIGUSR1 killed sesame (default action) and orphaned the child. Every signal a shell can
  // send to sesame alone is passed on; each is sent once the previous one has arrived, so the order is known.
  test("every signal a shell sends to sesame alone (no terminal) reaches the child: HUP INT QUIT USR1 USR2 WINCH ALRM CONT, then TERM", async () => {
    const marker = join(w.home, "all-signals-marker");
    const s = start(["exec", "prod", "--", process.execPath, SIGNAL_CHILD], { MARK: marker });
    const sent = ["SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGALRM", "SIGCONT"] as const;
    try {
      await waitFor("the child to start", () => (s.stdout().includes("ready") ? true : undefined));
      for (const [i, sig] of sent.entries()) {
        process.kill(s.proc.pid!, sig);
        await waitFor(`the child to get ${sig}`, () => (existsSync(marker) && readFileSync(marker, "utf8").split("\n").length > i + 1 ? true : undefined));
      }
      process.kill(s.proc.pid!, "SIGTERM");
      expect(await s.exit).toEqual({ code: 0, signal: null });
      expect(readFileSync(marker, "utf8")).toBe([...sent, "SIGTERM"].join("\n") + "\n");
    } finally {
      killGroup(s.proc);
    }
  });

  // Regression: SIGINT was once forwarded even when a terminal sent it, so Ctrl-C reached the child twice
  // (the tty driver signals the whole foreground group). Terraform takes two interrupts as "exit
  // immediately". Run on a real pty (util-linux script(1)) so that sesame's stdio are terminals; the
  // child notes who sent each signal.
  withTool(
    hasScript && existsSync(SYSTEM_PYTHON),
    `${SCRIPT} and ${SYSTEM_PYTHON}`,
    "Ctrl-C on a terminal reaches the child once, from the terminal, and not again from sesame",
    async () => {
      const marker = join(w.home, "ctrl-c-marker");
      const inner = `exec ${shQuote(BIN)} exec prod -- ${shQuote(SYSTEM_PYTHON)} ${shQuote(SIGWAIT_CHILD)}`;
      const p = spawn(SCRIPT, ["-qefc", inner, "/dev/null"], { env: { ...w.env, MARK: marker, SHELL: "/bin/sh" }, detached: true, stdio: ["pipe", "pipe", "ignore"] });
      let out = "";
      p.stdout!.on("data", (d) => (out += d));
      const exit = new Promise<number | null>((ok) => p.on("exit", (code) => ok(code)));
      let sesame = 0; // on the pty, sesame leads a session (and process group) of its own
      try {
        sesame = Number(await waitFor("the child to start", () => /ready (\d+)/.exec(out)?.[1]));
        expect(procStrings(sesame, "cmdline").slice(0, 3)).toEqual([BIN, "exec", "prod"]);
        p.stdin!.write("\x03"); // Ctrl-C typed on the terminal: the tty driver signals the foreground group
        await waitFor("the child to get SIGINT", () => (existsSync(marker) ? true : undefined));
        process.kill(sesame, "SIGTERM");
        expect(await exit).toBe(0);
        expect(readFileSync(marker, "utf8")).toBe("SIGINT other\nSIGTERM sesame\n");
      } finally {
        if (sesame) killGroup({ pid: sesame } as ChildProcess);
        killGroup(p);
      }
    },
    undefined,
    false,
    false,
  );

  test("the credentials are in no argv: /proc/PID/cmdline of sesame and of its child while it runs", async () => {
    const s = start(["exec", "prod", "--", "sleep", "30"]);
    try {
      const pid = s.proc.pid!;
      const child = await waitFor("the sleep child", () => childrenOf(pid).find((c) => procStrings(c, "cmdline")[0] === "sleep"));
      const secrets = [prod.AccessKeyId, prod.SecretAccessKey, prod.SessionToken, w.alice.accessKeyId, w.alice.secretAccessKey];
      expect(procStrings(pid, "cmdline")).toEqual([BIN, "exec", "prod", "--", "sleep", "30"]);
      expect(procStrings(child, "cmdline")).toEqual(["sleep", "30"]);
      for (const p of [pid, child]) {
        const raw = readFileSync(`/proc/${p}/cmdline`, "latin1");
        for (const secret of secrets) expect(raw).not.toContain(secret);
      }
      // the right process was looked at: the credentials reached it, through its environment
      expect(procStrings(child, "environ")).toContain(`AWS_ACCESS_KEY_ID=${prod.AccessKeyId}`);
      // and an untrapped SIGTERM sent to sesame ends the child, as the shell would report it
      process.kill(pid, "SIGTERM");
      expect(await s.exit).toEqual({ code: 128 + 15, signal: null });
    } finally {
      killGroup(s.proc);
    }
  });

  test("a nested exec is refused, with one line, and the outer one passes that status on", async () => {
    const r = await w.run(["exec", "prod", "--", BIN, "exec", "dev", "--", "sh", "-c", "echo inner ran"]);
    expect(r).toEqual({ code: 2, stdout: "", stderr: "sesame: already inside sesame exec for session prod — exit that shell first\n" });
  });

  test("without --, a flag meant for the command is refused with one line naming the fix", async () => {
    const r = await w.run(["exec", "prod", "sh", "-c", "echo ran"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    oneLine(r.stderr);
    expect(r.stderr).toEndWith(" — put -- before the command: sesame exec prod -- COMMAND [ARGS…]\n");
    for (const args of [["exec", "prod"], ["exec", "prod", "--"]]) {
      const none = await w.run(args);
      expect(none).toEqual({ code: 2, stdout: "", stderr: "sesame: exec needs a command to run — usage: sesame exec NAME -- COMMAND [ARGS…]\n" });
    }
  });

  // Regression: without `--`, a command's own --verbose or --config was once taken by sesame silently
  // (`sesame exec prod mytool --config app.yml` read app.yml as the catalog). Any command word before
  // `--` is refused now, so no flag after NAME is ever ambiguous.
  test("without --, a command's --verbose or --config is refused too, not taken by sesame", async () => {
    for (const flag of [["--verbose"], ["--config", "app.yml"]]) {
      const r = await w.run(["exec", "prod", "printf", "%s|", ...flag]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      oneLine(r.stderr);
      expect(r.stderr).toContain("put -- before the command: sesame exec prod -- COMMAND [ARGS…]");
    }
  });

  test("errors: unknown session (2), command not found (127), each one line; nothing runs", async () => {
    w.emu.resetCalls();
    const unknown = await w.run(["exec", "nope", "--", "sh", "-c", "echo ran"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toBe(`sesame: no session named "nope" in ${w.catalog} — known sessions: alice, dev, prod\n`);
    const missing = await w.run(["exec", "prod", "--", "sesame-no-such-command"]);
    expect(missing).toEqual({ code: 127, stdout: "", stderr: "sesame: command not found: sesame-no-such-command — check the name, or give its full path\n" });
    expect(w.emu.calls).toHaveLength(0);
  });
});

describe("sesame env", () => {
  const SHOW = `printf '%s\\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION" "$AWS_REGION" "$AWS_DEFAULT_REGION" "\${AWS_PROFILE-unset}" "\${AWS_DEFAULT_PROFILE-unset}" "\${AWS_SECURITY_TOKEN-unset}"`;
  const expected = () => [prod.AccessKeyId, prod.SecretAccessKey, prod.SessionToken, prod.Expiration, "eu-west-1", "eu-west-1", "unset", "unset", "unset"].join("\n") + "\n";

  test('sh (the default): eval "$(sesame env prod)" in a shell sets the credentials and drops AWS_PROFILE', async () => {
    const dflt = await w.run(["env", "prod"]);
    const sh = await w.run(["env", "prod", "--shell", "sh"]);
    expect(sh.stderr).toBe("");
    expect(sh.code).toBe(0);
    expect(dflt.stdout).toBe(sh.stdout);
    for (const line of sh.stdout.trimEnd().split("\n")) expect(line).toMatch(/^(export AWS_[A-Z_]+='[^']*'|unset( AWS_[A-Z_]+)+)$/);
    expect(sh.stdout).not.toContain("SESAME_SESSION"); // env is not exec: no nesting guard to set

    // as a user types it: the binary runs inside the command substitution
    const r = await runTool("/bin/sh", ["-c", `eval "$("$SESAME" env prod)" && ${SHOW}`], { ...w.env, ...STALE, SESAME: BIN });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(expected());
  });

  // Issue 16 item 19: `completion` takes bash and zsh, so `env` does too (sh syntax); bash runs what it prints.
  test("--shell bash and --shell zsh print the sh statements", async () => {
    const sh = await w.run(["env", "prod"]);
    expect(sh.code).toBe(0);
    for (const name of ["bash", "zsh"]) expect(await w.run(["env", "prod", "--shell", name])).toEqual({ code: 0, stdout: sh.stdout, stderr: "" });
    const r = await runTool("bash", ["--noprofile", "--norc", "-c", `eval "$(${shQuote(BIN)} env prod --shell bash)"; printf '%s\\n' "$AWS_ACCESS_KEY_ID" "\${AWS_PROFILE-unset}"`], { ...w.env, ...STALE });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`${prod.AccessKeyId}\nunset\n`);
  });

  test("fish: set -gx / set -e lines", async () => {
    const r = await w.run(["env", "prod", "--shell", "fish"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        `set -gx AWS_ACCESS_KEY_ID '${prod.AccessKeyId}'`,
        `set -gx AWS_SECRET_ACCESS_KEY '${prod.SecretAccessKey}'`,
        `set -gx AWS_SESSION_TOKEN '${prod.SessionToken}'`,
        `set -gx AWS_CREDENTIAL_EXPIRATION '${prod.Expiration}'`,
        `set -gx AWS_REGION 'eu-west-1'`,
        `set -gx AWS_DEFAULT_REGION 'eu-west-1'`,
        "set -e AWS_SECURITY_TOKEN",
        "set -e AWS_PROFILE",
        "set -e AWS_DEFAULT_PROFILE",
      ].join("\n") + "\n",
    );
  });

  withTool(
    hasFish,
    FISH,
    "fish: sourcing the output sets the credentials and drops AWS_PROFILE",
    async () => {
      const file = join(w.home, "env.fish");
      writeFileSync(file, (await w.run(["env", "prod", "--shell", "fish"])).stdout);
      const show = `for v in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN; if set -q $v; printf '%s\\n' $$v; else; echo unset; end; end`;
      const r = await runTool(FISH, ["--no-config", "-c", `source ${file}; ${show}`], { ...w.env, ...STALE });
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(expected());
    },
    undefined,
    false, // CI does not install fish
  );

  test("powershell: $Env: assignments and Remove-Item lines", async () => {
    const r = await w.run(["env", "prod", "--shell", "powershell"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        `$Env:AWS_ACCESS_KEY_ID = '${prod.AccessKeyId}'`,
        `$Env:AWS_SECRET_ACCESS_KEY = '${prod.SecretAccessKey}'`,
        `$Env:AWS_SESSION_TOKEN = '${prod.SessionToken}'`,
        `$Env:AWS_CREDENTIAL_EXPIRATION = '${prod.Expiration}'`,
        `$Env:AWS_REGION = 'eu-west-1'`,
        `$Env:AWS_DEFAULT_REGION = 'eu-west-1'`,
        "Remove-Item Env:AWS_SECURITY_TOKEN -ErrorAction SilentlyContinue",
        "Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue",
        "Remove-Item Env:AWS_DEFAULT_PROFILE -ErrorAction SilentlyContinue",
      ].join("\n") + "\n",
    );
  });

  test("errors: an unknown shell (2) before any STS call, an unknown session (2); one line, nothing on stdout", async () => {
    w.emu.resetCalls();
    expect((await w.run(["cache", "clear"])).code).toBe(0);
    try {
      const shell = await w.run(["env", "prod", "--shell", "tcsh"]);
      expect(shell).toEqual({ code: 2, stdout: "", stderr: 'sesame: unknown shell "tcsh" — use --shell sh, --shell bash, --shell zsh, --shell fish, --shell powershell\n' });
      expect(w.emu.calls).toHaveLength(0);
      const unknown = await w.run(["env", "nope"]);
      expect(unknown.code).toBe(2);
      expect(unknown.stdout).toBe("");
      oneLine(unknown.stderr);
      expect(unknown.stderr).toContain('no session named "nope"');
    } finally {
      prod = parseProcessOutput((await w.run(["credential-process", "prod"])).stdout); // warm the cache again
    }
  });
});

describe("sesame whoami", () => {
  test("prints the prod role's identity, asked with the cached prod key", async () => {
    w.emu.resetCalls();
    const r = await w.run(["whoami", "prod"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Account  333333333333\\nArn      ${PROD_ARN.replace(/[/.]/g, "\\$&")}\\nUserId   AROA[A-Z2-7]+:sesame-tester\\n$`));
    expect(w.emu.calls.map((c) => [c.action, c.accessKeyId])).toEqual([["GetCallerIdentity", prod.AccessKeyId]]);
  });

  test("--json: one line with the AWS CLI's field names; alice is the IAM user", async () => {
    const r = await w.run(["whoami", "prod", "--json"]);
    expect(r.code).toBe(0);
    expect(r.stdout.indexOf("\n")).toBe(r.stdout.length - 1);
    const id = JSON.parse(r.stdout) as Record<string, string>;
    expect(Object.keys(id)).toEqual(["UserId", "Account", "Arn"]);
    expect(id).toEqual({ UserId: expect.stringMatching(/^AROA[A-Z2-7]+:sesame-tester$/), Account: "333333333333", Arn: PROD_ARN });
    const alice = JSON.parse((await w.run(["whoami", "alice", "--json"])).stdout) as Record<string, string>;
    expect(alice).toEqual({ UserId: expect.stringMatching(/^AIDA/), Account: "111111111111", Arn: w.alice.arn });
  });

  test("errors: unknown session (2), GetCallerIdentity refused (5); one line, nothing on stdout", async () => {
    const unknown = await w.run(["whoami", "nope"]);
    expect(unknown).toEqual({ code: 2, stdout: "", stderr: `sesame: no session named "nope" in ${w.catalog} — known sessions: alice, dev, prod\n` });
    w.emu.faults.error("GetCallerIdentity", "AccessDenied", "not today", 403);
    try {
      const refused = await w.run(["whoami", "prod"]);
      expect(refused.code).toBe(5);
      expect(refused.stdout).toBe("");
      oneLine(refused.stderr);
      expect(refused.stderr).toStartWith("sesame: STS GetCallerIdentity refused: AccessDenied: not today");
    } finally {
      w.emu.faults.clear();
    }
  });

  test("a broken catalog is status 3 naming file:line:col", async () => {
    w.writeCatalog(CHAIN_CATALOG.replace('role_arn = "arn:aws:iam::333333333333:role/Deploy"', 'role_arn = "arn:aws:iam::333:role/Deploy"'));
    try {
      const r = await w.run(["whoami", "prod"]);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe("");
      oneLine(r.stderr);
      expect(r.stderr).toMatch(new RegExp(`^sesame: ${w.catalog.replace(/[/.]/g, "\\$&")}:\\d+:\\d+: `));
    } finally {
      w.writeCatalog(CHAIN_CATALOG);
    }
  });
});
