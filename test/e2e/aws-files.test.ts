// The files of other tools through dist/sesame: ~/.aws/config and ~/.aws/credentials as Windows editors and
// other catalogs leave them (a byte order mark, CRLF, a second catalog's profiles), words that would add
// lines to them, doctor's view of keys and backups, and the catalog rules that keep the cache useful.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runTool } from "./clients-tools.ts";
import { BIN, world, type Run, type World } from "./harness.ts";

const BOM = "\ufeff";
const read = (f: string) => readFileSync(f, "utf8");
let worlds: World[] = [];
afterEach(async () => {
  for (const w of worlds) await w.stop();
  worlds = [];
});

async function make(catalog?: string): Promise<{ w: World; config: string; credentials: string }> {
  const w = await world(catalog);
  worlds.push(w);
  mkdirSync(join(w.home, ".aws"), { recursive: true });
  return { w, config: w.env.AWS_CONFIG_FILE!, credentials: w.env.AWS_SHARED_CREDENTIALS_FILE! };
}

type F = { check: string; status: string; message: string; fix?: string };
const findings = (r: Run) => (JSON.parse(r.stdout) as { findings: F[] }).findings;
const of = (r: Run, check: string) => findings(r).filter((f) => f.check === check);

describe("a byte order mark and CRLF (Windows editors)", () => {
  test("import moves the key out of a credentials file that starts with a BOM, keeps the BOM, and doctor agrees", async () => {
    const { w, credentials } = await make("");
    const carol = w.emu.addUser({ userName: "carol", account: "111111111111" });
    const text = `${BOM}[carol]\r\naws_access_key_id = ${carol.accessKeyId}\r\naws_secret_access_key = ${carol.secretAccessKey}\r\nregion = us-west-2\r\n`;
    writeFileSync(credentials, text, { mode: 0o600 });
    const before = await w.run(["doctor", "--json"]);
    expect(of(before, "credentials-file").map((f) => f.message)).toContain(`${credentials} holds long-lived keys for "carol"`);

    const r = await w.run(["import", "--yes"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`removed the keys of "carol" from ${credentials}`);
    const after = read(credentials);
    expect(after).not.toContain(carol.accessKeyId);
    expect(after).toBe(`${BOM}[carol]\r\nregion = us-west-2\r\n`);
    const d = await w.run(["doctor", "--json"]);
    expect(of(d, "credentials-file")[0]).toMatchObject({ status: "ok", message: `${credentials}: no long-lived keys` });
    // and the session works from the keyring
    expect((await w.run(["credential-process", "carol"])).code).toBe(0);
    // the JS SDK (which reads past the BOM) now gets sesame's temporary credentials, not the static key
    const js = await runTool(process.execPath, [join(import.meta.dir, "clients-fromini.ts"), "carol"], { ...w.env, EMULATOR_URL: w.emu.url }, { cwd: join(import.meta.dir, "..", "..") });
    expect(js.stderr).toBe("");
    const out = JSON.parse(js.stdout) as { fromIni: { accessKeyId: string; arn: string } };
    expect(out.fromIni.accessKeyId).toStartWith("ASIA");
    expect(out.fromIni.arn).toBe(carol.arn);
  });

  test("doctor finds keys wherever an SDK would: CRLF, upper case, spaces, `[profile x]` in credentials, keys in config", async () => {
    const { w, credentials, config } = await make();
    // (and [js]: an indented key line botocore reads as a continuation, the JS SDK as a key)
    writeFileSync(credentials, `[profile x]\r\nAWS_ACCESS_KEY_ID=AKIAEXAMPLEEXAMPLE01\r\n  aws_secret_access_key   =  s\r\n\r\n[js]\r\nregion = eu-west-1\r\n  aws_access_key_id = AKIAEXAMPLEEXAMPLE03\r\n  aws_secret_access_key = s\r\n`);
    writeFileSync(config, `${BOM}[profile cfg]\naws_access_key_id = AKIAEXAMPLEEXAMPLE02\naws_secret_access_key = s\n`);
    const d = await w.run(["doctor", "--json"]);
    const msgs = of(d, "credentials-file").map((f) => f.message);
    expect(msgs).toContain(`${credentials} holds long-lived keys for "profile x", "js"`);
    expect(msgs).toContain(`${config} holds long-lived keys for "cfg"`);
  });

  test("profiles sync reads a config that starts with a BOM: no duplicate profile, the BOM stays", async () => {
    const { w, config } = await make();
    writeFileSync(config, `${BOM}[profile alice]\nregion = eu-west-1\n`);
    const r = await w.run(["profiles", "sync"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`skipped "alice": ${config} already has a profile "alice"`);
    const text = read(config);
    expect(text.startsWith(`${BOM}[profile alice]\nregion = eu-west-1\n\n[profile dev]\n`)).toBe(true);
    expect(text.match(/\[profile alice\]/g)).toHaveLength(1);
    // a managed block that opened the file and goes away leaves the BOM where it was
    writeFileSync(config, `${BOM}[profile gone]\nsesame_managed = true\nsesame_catalog = ${w.catalog}\ncredential_process = ${BIN} credential-process gone\n`);
    expect((await w.run(["profiles", "sync"])).code).toBe(0);
    expect(read(config).startsWith(`${BOM}[profile alice]\nsesame_managed = true\n`)).toBe(true);
  });
});

describe("two catalogs, one ~/.aws/config", () => {
  test("a sync from a second catalog never removes or re-points the first one's profiles", async () => {
    const { w, config } = await make();
    const other = join(w.home, "work.toml");
    writeFileSync(other, `[session.me]\ntype = "iam-user"\n\n[session.dev]\ntype = "iam-user"\n`);
    expect((await w.run(["profiles", "sync"])).code).toBe(0);
    const first = read(config);
    expect(first).toContain(`[profile dev]\nsesame_managed = true\nsesame_catalog = ${w.catalog}\ncredential_process = ${BIN} credential-process dev\n`);

    const r = await w.run(["profiles", "sync", "--config", other]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`skipped "dev": the profile "dev" in ${config} belongs to another catalog (${w.catalog})`);
    expect(r.stderr).toContain("added 1, updated 0, removed 0, skipped 1");
    const second = read(config);
    expect(second.startsWith(first)).toBe(true);
    expect(second).toContain(`[profile me]\nsesame_managed = true\nsesame_catalog = ${other}\ncredential_process = ${BIN} credential-process me --config ${other}\n`);

    // and back: the first catalog's sync leaves "me" alone
    const back = await w.run(["profiles", "sync"]);
    expect(back.stderr).toContain("added 0, updated 0, removed 0, skipped 0");
    expect(read(config)).toBe(second);
    const d = await w.run(["doctor", "--json"]);
    expect(of(d, "profiles")[0]!.status).toBe("ok");
    const d2 = await w.run(["doctor", "--json", "--config", other]);
    expect(of(d2, "profiles").find((f) => f.status === "warn")!.message).toContain(`"dev" is a profile of another catalog (${w.catalog})`);
  });

  test("profiles an older sesame wrote (no sesame_catalog) belong to the catalog their credential_process reads", async () => {
    const { w, config } = await make();
    const other = join(w.home, "work.toml");
    writeFileSync(other, `[session.me]\ntype = "iam-user"\n`);
    const legacy =
      `[profile alice]\nsesame_managed = true\ncredential_process = ${BIN} credential-process alice\nregion = eu-west-1\n\n` +
      `[profile me]\nsesame_managed = true\ncredential_process = ${BIN} credential-process me --config ${other}\n\n` +
      `[profile old]\nsesame_managed = true\ncredential_process = ${BIN} credential-process old\n`;
    writeFileSync(config, legacy);
    const r = await w.run(["profiles", "sync"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("added 2, updated 1, removed 1, skipped 0");
    const text = read(config);
    // the default catalog's own: updated with the marker; its session gone: removed; the other catalog's: untouched
    expect(text).toContain(`[profile alice]\nsesame_managed = true\nsesame_catalog = ${w.catalog}\ncredential_process = ${BIN} credential-process alice\n`);
    expect(text).not.toContain("[profile old]");
    expect(text).toContain(`[profile me]\nsesame_managed = true\ncredential_process = ${BIN} credential-process me --config ${other}\n`);
  });
});

describe("words that would add lines to a config file", () => {
  test("a catalog path with a line break: refused with one line, ~/.aws/config not written", async () => {
    const { w, config } = await make();
    const dir = join(w.home, "x\n[profile pwn]\ncredential_process = evil");
    mkdirSync(dir);
    const cat = join(dir, "sessions.toml");
    writeFileSync(cat, `[session.a]\ntype = "iam-user"\n`);
    const r = await w.run(["profiles", "sync", "--config", cat]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("holds a line break or another control character");
    expect(r.stderr).toContain("\\x0a[profile pwn]");
    expect(existsSync(config)).toBe(false);
  });

  test("AWS_CONFIG_FILE with a line break cannot reach the catalog's comment", async () => {
    const { w } = await make();
    const dir = join(w.home, "y\n[session.pwn]\ntype = \"iam-user\"\n#");
    mkdirSync(dir);
    const cfg = join(dir, "config");
    writeFileSync(cfg, `[profile p]\nrole_arn = arn:aws:iam::222222222222:role/Dev\nsource_profile = alice\n`);
    const before = read(w.catalog);
    const r = await w.run(["import", "--yes"], { env: { AWS_CONFIG_FILE: cfg } });
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("the AWS config path");
    expect(read(w.catalog)).toBe(before);
  });
});

describe("doctor", () => {
  test("the import backup: a warning that names it and how to remove it", async () => {
    const { w, credentials } = await make("");
    const carol = w.emu.addUser({ userName: "carol", account: "111111111111" });
    writeFileSync(credentials, `[carol]\naws_access_key_id = ${carol.accessKeyId}\naws_secret_access_key = ${carol.secretAccessKey}\n`, { mode: 0o600 });
    expect((await w.run(["import", "--yes"])).code).toBe(0);
    const d = await w.run(["doctor", "--json"]);
    expect(d.stdout).not.toContain(carol.secretAccessKey);
    const backup = of(d, "credentials-file").find((f) => f.message.includes(".sesame-backup"))!;
    expect(backup.status).toBe("warn");
    expect(backup.message).toContain(`"${credentials}.sesame-backup" is a plain copy of ~/.aws from before sesame import, with the long-lived keys it moved to the keyring`);
    expect(backup.fix).toBe(`once aws commands work through sesame, delete it: rm ${credentials}.sesame-backup`);
  });

  test("a hand-written profile that runs sesame credential-process for a session of the catalog is fine", async () => {
    const { w, config } = await make();
    writeFileSync(config, `[profile prod]\ncredential_process = /usr/local/bin/sesame credential-process prod\nregion = eu-west-1\n`);
    expect((await w.run(["profiles", "sync"])).code).toBe(0); // alice and dev get managed profiles
    const d = await w.run(["doctor", "--json"]);
    const p = of(d, "profiles");
    expect(p.filter((f) => f.status !== "ok" && f.message.includes('"prod"'))).toEqual([]);
    expect(p.find((f) => f.status === "ok")?.message).toContain(`"prod" runs sesame credential-process itself`);
    const imp = await w.run(["import", "--dry-run"]);
    expect(imp.stderr).toContain('skipped profile "prod": already runs sesame credential-process');
  });
});

describe("the catalog", () => {
  test("a refresh_margin at or above a session's default lifetime is refused at its line", async () => {
    const { w } = await make();
    w.writeCatalog(`[defaults]\nrefresh_margin = "1h"\n\n[session.alice]\ntype = "iam-user"\n\n[session.dev]\ntype = "assume-role"\nsource = "alice"\nrole_arn = "arn:aws:iam::222222222222:role/Dev"\n`);
    const r = await w.run(["credential-process", "alice"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`sesame: ${w.catalog}:2:18: refresh_margin (3600s) is not shorter than the 1 hour session "dev" (assume-role) gets by default, so its cached credentials would never be used — lower refresh_margin below 3600s, or give [session.dev] a longer duration_seconds\n`);
  });
});

describe("import and the cache", () => {
  test("a key import stores starts a new generation: nothing cached under an older key of that session is served", async () => {
    const { w, credentials } = await make(`[session.bob]\ntype = "iam-user"\n`);
    const bob = w.emu.addUser({ userName: "bob", account: "111111111111" });
    // the session "bob" first ran with alice's key, and its credentials were cached
    expect((await w.run(["secret", "set", "bob"], { stdin: `${w.alice.accessKeyId}\n${w.alice.secretAccessKey}\n` })).code).toBe(0);
    const first = await w.run(["credential-process", "bob"]);
    expect(first.code).toBe(0);
    // the session leaves the catalog (its key stays in the keyring), and comes back through import with bob's key
    w.writeCatalog("");
    writeFileSync(credentials, `[bob]\naws_access_key_id = ${bob.accessKeyId}\naws_secret_access_key = ${bob.secretAccessKey}\n`, { mode: 0o600 });
    expect((await w.run(["import", "--yes"])).code).toBe(0);
    w.emu.resetCalls();
    const after = await w.run(["credential-process", "bob"]);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout).AccessKeyId).not.toBe(JSON.parse(first.stdout).AccessKeyId);
    expect(w.emu.callsFor("GetSessionToken")[0]!.accessKeyId).toBe(bob.accessKeyId);
  });
});
