// Issue 2 through the compiled binary: chains, cache, single flight, tampering, errors, file modes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { parseToml } from "../../src/catalog/parse.ts";
import { validateCatalog } from "../../src/catalog/validate.ts";
import { currentIdentity } from "../../src/credentials/identity.ts";
import { entryName } from "../../src/store/cache.ts";
import { CHAIN_CATALOG, DEV_ROLE, PROD_ROLE, parseProcessOutput, storeAliceKey, world, type World } from "./harness.ts";

let w: World;
beforeAll(async () => {
  w = await world();
  await storeAliceKey(w);
});
afterAll(() => w.stop());

function clearCache() {
  for (const f of safeList(w.cacheDir)) if (f.endsWith(".cred")) unlinkSync(join(w.cacheDir, f));
}
function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

describe("a 3-hop chain alice → dev → prod", () => {
  test("each hop is signed by the previous hop's credentials, and stdout holds only the JSON", async () => {
    clearCache();
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "prod"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = parseProcessOutput(r.stdout);
    expect(out.AccessKeyId).toStartWith("ASIA");

    const gst = w.emu.callsFor("GetSessionToken");
    const ar = w.emu.callsFor("AssumeRole");
    expect(gst).toHaveLength(1);
    expect(gst[0]!.accessKeyId).toBe(w.alice.accessKeyId);
    expect(ar).toHaveLength(2);
    expect(ar[0]!.params.RoleArn).toBe(DEV_ROLE);
    expect(ar[1]!.params.RoleArn).toBe(PROD_ROLE);
    expect(ar[1]!.params.ExternalId).toBe("prod-ext-42");
    expect(ar[0]!.params.RoleSessionName).toBe("sesame-tester");
    // hop 2 signed with hop 1's temporary key, hop 3 with hop 2's
    expect(ar[0]!.accessKeyId).toStartWith("ASIA");
    expect(ar[0]!.accessKeyId).not.toBe(w.alice.accessKeyId);
    expect(ar[1]!.accessKeyId).not.toBe(ar[0]!.accessKeyId);

    // the credentials work: the real SDK sees the prod role
    const sts = new STSClient({ region: "eu-west-1", endpoint: w.emu.url, credentials: { accessKeyId: out.AccessKeyId, secretAccessKey: out.SecretAccessKey, sessionToken: out.SessionToken } });
    const me = await sts.send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe("arn:aws:sts::333333333333:assumed-role/Deploy/sesame-tester");
  });

  test("a second call is served from the cache with no upstream call", async () => {
    const first = parseProcessOutput((await w.run(["credential-process", "prod"])).stdout);
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "prod"]);
    expect(r.code).toBe(0);
    expect(parseProcessOutput(r.stdout).AccessKeyId).toBe(first.AccessKeyId);
    expect(w.emu.calls).toHaveLength(0);
  });

  test("20 parallel cold calls make exactly one upstream call per hop", async () => {
    clearCache();
    w.emu.resetCalls();
    const runs = await Promise.all(Array.from({ length: 20 }, () => w.run(["credential-process", "prod"])));
    for (const r of runs) expect(r.code).toBe(0);
    const keys = new Set(runs.map((r) => parseProcessOutput(r.stdout).AccessKeyId));
    expect(keys.size).toBe(1);
    expect(w.emu.callsFor("GetSessionToken")).toHaveLength(1);
    expect(w.emu.callsFor("AssumeRole")).toHaveLength(2);
    expect(safeList(w.cacheDir).filter((f) => f.endsWith(".lock"))).toEqual([]);
  });

  test("a flipped byte in a cache entry is never served; only that hop is fetched again", async () => {
    clearCache();
    const before = parseProcessOutput((await w.run(["credential-process", "prod"])).stdout);
    expect(safeList(w.cacheDir).filter((f) => f.endsWith(".cred"))).toHaveLength(3);
    const cat = validateCatalog(parseToml(w.catalog, readFileSync(w.catalog, "utf8")));
    const expected: Record<string, { action: string; role?: string }> = { prod: { action: "AssumeRole", role: PROD_ROLE }, dev: { action: "AssumeRole", role: DEV_ROLE }, alice: { action: "GetSessionToken" } };
    for (const name of ["prod", "dev", "alice"]) {
      const path = join(w.cacheDir, (await entryName(await currentIdentity(cat, cat.sessions.get(name)!, w.env, w.stateDir))) + ".cred");
      const bad = Buffer.from(readFileSync(path));
      bad[bad.length - 5] = bad[bad.length - 5]! ^ 0x20;
      writeFileSync(path, bad);
      w.emu.resetCalls();
      const r = await w.run(["credential-process", name]);
      expect(r.code).toBe(0);
      const out = parseProcessOutput(r.stdout);
      expect(w.emu.calls.map((c) => [c.action, c.params.RoleArn])).toEqual([[expected[name]!.action, expected[name]!.role]]);
      if (name === "prod") expect(out.AccessKeyId).not.toBe(before.AccessKeyId);
    }
  });

  test("editing the catalog never serves the old credentials", async () => {
    clearCache();
    const before = parseProcessOutput((await w.run(["credential-process", "prod"])).stdout);
    w.emu.resetCalls();
    w.writeCatalog(CHAIN_CATALOG.replace('external_id = "prod-ext-42"', 'external_id = "prod-ext-42"\nduration_seconds = 1800'));
    try {
      const r = await w.run(["credential-process", "prod"]);
      expect(r.code).toBe(0);
      expect(parseProcessOutput(r.stdout).AccessKeyId).not.toBe(before.AccessKeyId);
      expect(w.emu.callsFor("AssumeRole")).toHaveLength(1);
      expect(w.emu.callsFor("AssumeRole")[0]!.params.DurationSeconds).toBe("1800");
    } finally {
      w.writeCatalog(CHAIN_CATALOG);
    }
  });

  test("credentials within the refresh margin are renewed", async () => {
    clearCache();
    w.emu.setCredentialLifetime(240); // inside the 15-minute margin and the 5-minute renew floor: renewed while the call waits
    try {
      await w.run(["credential-process", "dev"]);
      w.emu.resetCalls();
      const r = await w.run(["credential-process", "dev"]);
      expect(r.code).toBe(0);
      expect(w.emu.callsFor("AssumeRole")).toHaveLength(1);
    } finally {
      w.emu.setCredentialLifetime(undefined);
      clearCache();
    }
  });
});

describe("files", () => {
  test("cache entries are 0600 in a 0700 folder, the key 0600, and no secret is in plain text", async () => {
    const out = parseProcessOutput((await w.run(["credential-process", "prod"])).stdout);
    expect(statSync(w.cacheDir).mode & 0o777).toBe(0o700);
    expect(statSync(w.stateDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(w.stateDir, "cache.key")).mode & 0o777).toBe(0o600);
    const files = safeList(w.cacheDir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(statSync(join(w.cacheDir, f)).mode & 0o777).toBe(0o600);
      const text = readFileSync(join(w.cacheDir, f)).toString("latin1");
      for (const s of [out.AccessKeyId, out.SecretAccessKey, out.SessionToken, w.alice.secretAccessKey]) expect(text).not.toContain(s);
    }
  });
});

describe("errors: one stderr line, nothing on stdout, a distinct status", () => {
  test("a catalog error names file:line:col", async () => {
    w.writeCatalog(`[session.alice]\ntype = "iam-user"\nmfa_serail = "x"\n`);
    try {
      const r = await w.run(["credential-process", "alice"]);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`sesame: ${w.catalog}:3:1: unknown key "mfa_serail" for a session of type "iam-user" — did you mean "mfa_serial"?\n`);
    } finally {
      w.writeCatalog(CHAIN_CATALOG);
    }
  });

  test("an unknown session", async () => {
    const r = await w.run(["credential-process", "nope"]);
    expect(r.code).toBe(2); // a usage error: the catalog is fine (issue 16 item 15)
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^sesame: no session named "nope" in .* — known sessions: alice, dev, prod\n$/);
  });

  test("usage errors", async () => {
    const r = await w.run(["credential-process"]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")).toHaveLength(2);
    const u = await w.run(["frobnicate"]);
    expect(u.code).toBe(2);
    expect(u.stderr).toBe('sesame: unknown command "frobnicate" — run: sesame --help\n');
  });

  test("help names every flag without cac's misleading \"(default: true)\" on --no-X flags", async () => {
    const r = await w.run(["login", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--no-browser +print the URL instead of opening a browser\s*\n/);
    expect(r.stdout).not.toContain("(default: true)");
  });

  test("AWS refusing a role is exit 5 with the hop named", async () => {
    w.writeCatalog(CHAIN_CATALOG.replace('external_id = "prod-ext-42"', 'external_id = "wrong-id"'));
    try {
      const r = await w.run(["credential-process", "prod"]);
      expect(r.code).toBe(5);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^sesame: session "prod": STS AssumeRole refused: AccessDenied: .*not authorized to perform: sts:AssumeRole.* — check the role's trust policy/);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    } finally {
      w.writeCatalog(CHAIN_CATALOG);
    }
  });

  test("an MFA session without a terminal fails at once with the login-needed status", async () => {
    w.writeCatalog(CHAIN_CATALOG.replace('[session.alice]\ntype = "iam-user"', '[session.alice]\ntype = "iam-user"\nmfa_serial = "arn:aws:iam::111111111111:mfa/alice"'));
    try {
      w.emu.resetCalls();
      const r = await w.run(["credential-process", "alice"]);
      expect(r.code).toBe(4);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe('sesame: session "alice" needs an MFA code and there is no terminal to ask on — run: sesame credential-process alice in a terminal once; the session is then cached\n');
      expect(w.emu.calls).toHaveLength(0);
    } finally {
      w.writeCatalog(CHAIN_CATALOG);
    }
  });

  test("an unreachable endpoint is one line, exit 5", async () => {
    clearCache();
    const r = await w.run(["credential-process", "dev"], { env: { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9" } });
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^sesame: session "(dev|alice)": cannot reach STS at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});

describe("secrets", () => {
  test("secret set from stdin, list shows it, delete removes it and credential-process asks for it", async () => {
    const w2 = await world();
    try {
      const noSecret = await w2.run(["credential-process", "prod"]);
      expect(noSecret.code).toBe(4);
      expect(noSecret.stderr).toBe('sesame: session "alice": no access key is stored for "alice" — run: sesame secret set alice\n');
      const set = await w2.run(["secret", "set", "alice"], { stdin: `${w2.alice.accessKeyId}\n${w2.alice.secretAccessKey}\n` });
      expect(set.code).toBe(0);
      expect(set.stdout).toBe("");
      expect(set.stderr).toContain(`****${w2.alice.accessKeyId.slice(-4)}`);
      expect(set.stderr).not.toContain(w2.alice.secretAccessKey);
      const list = JSON.parse((await w2.run(["list", "--json"])).stdout) as { name: string; state: string }[];
      expect(list.find((r) => r.name === "alice")?.state).toBe("ready");
      expect((await w2.run(["credential-process", "prod"])).code).toBe(0);
      const del = await w2.run(["secret", "delete", "alice"]);
      expect(del.code).toBe(0);
      const after = await w2.run(["credential-process", "prod"]);
      expect(after.code).toBe(4); // the cached chain through alice was dropped too
      const list2 = JSON.parse((await w2.run(["list", "--json"])).stdout) as { name: string; state: string; detail: string }[];
      expect(list2.find((r) => r.name === "prod")?.detail).toBe("no secret (alice)");
    } finally {
      await w2.stop();
    }
  });

  test("bad key input is refused without storing anything", async () => {
    const r = await w.run(["secret", "set", "alice"], { stdin: "not-a-key\n" });
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    const r2 = await w.run(["secret", "set", "dev"], { stdin: "AKIAAAAAAAAAAAAAAAAA\nsecretsecretsecretsecret\n" });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain("only iam-user sessions have a stored access key");
  });

  test("the encrypted file keyring works where no keyring service runs", async () => {
    const w3 = await world();
    const fileEnv = { SESAME_KEYRING: "file", SESAME_FILE_PASSPHRASE: "correct horse battery", DBUS_SESSION_BUS_ADDRESS: undefined } as Record<string, string | undefined>;
    try {
      const set = await w3.run(["secret", "set", "alice"], { stdin: `${w3.alice.accessKeyId}\n${w3.alice.secretAccessKey}\n`, env: fileEnv });
      expect(set.code).toBe(0);
      const r = await w3.run(["credential-process", "prod"], { env: fileEnv });
      expect(r.code).toBe(0);
      parseProcessOutput(r.stdout);
      const kr = join(w3.home, ".local", "share", "sesame", "keyring.enc");
      expect(statSync(kr).mode & 0o777).toBe(0o600);
      expect(readFileSync(kr, "utf8")).not.toContain(w3.alice.secretAccessKey);
      const wrong = await w3.run(["credential-process", "alice", "--no-cache"], { env: { ...fileEnv, SESAME_FILE_PASSPHRASE: "wrong" } });
      expect(wrong.code).toBe(6);
      expect(wrong.stderr.trimEnd().split("\n")).toHaveLength(1);
    } finally {
      await w3.stop();
    }
  });
});

describe("list", () => {
  test("shows type, account, role, region and cache state", async () => {
    await w.run(["credential-process", "prod"]);
    const r = await w.run(["list"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+ACCOUNT\s+ROLE\s+REGION\s+STATE$/);
    expect(lines.find((l) => l.startsWith("prod"))).toMatch(/^prod\s+assume-role\s+333333333333\s+Deploy\s+eu-west-1\s+cached until (\w+ \d+ )?\d\d:\d\d$/);
    const json = JSON.parse((await w.run(["list", "--json"])).stdout) as { name: string; state: string; expiration: string | null }[];
    expect(json.map((r) => r.name)).toEqual(["alice", "dev", "prod"]);
    expect(json.find((r) => r.name === "prod")?.state).toBe("cached");
  });

  test("reads expiries from the expiry index while it vouches for the entries, and from the entries when it does not", async () => {
    await w.run(["credential-process", "prod"]);
    const idx = join(w.cacheDir, "expiries.idx");
    expect(statSync(idx).mode & 0o777).toBe(0o600);
    const rows = async () => JSON.parse((await w.run(["list", "--json"])).stdout) as { name: string; state: string; expiration: string | null }[];
    const before = await rows();
    expect(before.map((r) => r.state)).toEqual(["cached", "cached", "cached"]);
    // a line per entry written, with the expiry list shows
    const lines = readFileSync(idx, "utf8").trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const r of before) expect(lines.some((l) => l.endsWith(` ${Date.parse(r.expiration!)}`))).toBe(true);
    // a damaged index changes nothing that list shows, and list writes the lines back
    writeFileSync(idx, "garbage\n\u0000\u0001 not an index line\n");
    expect(await rows()).toEqual(before);
    expect(readFileSync(idx, "utf8").trim().split("\n").filter((l) => /^[0-9a-f]{64} /.test(l))).toHaveLength(3);
    expect(await rows()).toEqual(before);
    // the times shown are local times, as Date shows them in this (the same) time zone
    const table = (await w.run(["list"])).stdout;
    const hm = (iso: string) => { const d = new Date(iso); return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`; };
    expect(table).toContain(`cached until ${hm(before.find((r) => r.name === "prod")!.expiration!)}`);
  });

  test("list is the same whichever way its flags are written (main.ts takes the plain forms without cac)", async () => {
    const want = (await w.run(["list", "--json"])).stdout;
    for (const args of [["--config", w.catalog, "list", "--json"], ["list", `--config=${w.catalog}`, "--json"], ["--verbose", "list", "--json"], ["list", "--json", "--config", w.catalog]]) {
      const r = await w.run(args);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 0, stdout: want });
    }
    const table = await w.run(["list"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toStartWith("NAME ");
    // what the fast path does not take, cac still answers as before
    const bogus = await w.run(["list", "--bogus"]);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("unknown option --bogus");
    const help = await w.run(["list", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--json");
  });
});

describe("a big catalog (memoised parse, src/catalog/memo.ts)", () => {
  // The chain plus 300 filler sessions: large enough for the memo.
  const filler = (suffix: string) =>
    Array.from({ length: 300 }, (_, i) => `[session.filler-${i}]\ntype = "assume-role"\nsource = "alice"\nrole_arn = "arn:aws:iam::${200000000000 + i}:role/F${i}${suffix}"\n`).join("\n");
  const OTHER_ROLE = "arn:aws:iam::444444444444:role/Other";

  test("an edit is seen at once: a role changed in a 300-session catalog is the role assumed next", async () => {
    w.emu.addRole({ arn: OTHER_ROLE, trust: [DEV_ROLE], requiredExternalId: "prod-ext-42" });
    try {
      w.writeCatalog(CHAIN_CATALOG + "\n" + filler(""));
      const first = await w.run(["credential-process", "prod"]);
      expect(first.code).toBe(0);
      expect(readdirSync(join(w.stateDir, "catalogs"))).toHaveLength(1);
      // same text: the memo serves it, the cache hit too
      w.emu.resetCalls();
      const again = await w.run(["credential-process", "prod"]);
      expect(parseProcessOutput(again.stdout).AccessKeyId).toBe(parseProcessOutput(first.stdout).AccessKeyId);
      expect(w.emu.calls).toHaveLength(0);
      // prod now names another role: new credentials, from AssumeRole of that role
      w.writeCatalog(CHAIN_CATALOG.replace(PROD_ROLE, OTHER_ROLE) + "\n" + filler(""));
      const edited = await w.run(["credential-process", "prod"]);
      expect(edited.code).toBe(0);
      expect(w.emu.callsFor("AssumeRole").map((c) => c.params.RoleArn)).toEqual([OTHER_ROLE]);
      expect((await w.run(["list", "--json"])).stdout).toContain("444444444444");
      // a catalog broken by an edit is refused with its line, whatever the memo holds
      w.writeCatalog(CHAIN_CATALOG + "\n" + filler("") + '\n[session.broken]\ntype = "assume-role"\nsource = "nobody"\nrole_arn = "' + OTHER_ROLE + '"\n');
      const broken = await w.run(["credential-process", "prod"]);
      expect(broken.code).toBe(3);
      expect(broken.stderr).toMatch(/sessions\.toml:\d+:\d+: /);
    } finally {
      w.writeCatalog(CHAIN_CATALOG);
    }
  });
});
