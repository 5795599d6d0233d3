// `sesame profiles sync` run from source (no build needed) in a private HOME: which file it writes,
// the backup, idempotence, --dry-run, and the credential_process line it writes.
import { describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sesameArgv, stableSelf } from "../../../src/awsconfig/wanted-profiles.ts";
import { awsConfigPath } from "../../../src/locations.ts";

const MAIN = resolve(import.meta.dir, "../../../src/main.ts");
const CATALOG = `
[defaults]
region = "eu-west-1"

[session.alice]
type = "iam-user"

[session.dev]
type = "assume-role"
source = "alice"
role_arn = "arn:aws:iam::222222222222:role/Dev"
region = "us-east-2"
`;

function home(catalog = CATALOG) {
  const dir = mkdtempSync(join(tmpdir(), "sesame-sync-"));
  mkdirSync(join(dir, ".config", "sesame"), { recursive: true });
  const catalogFile = join(dir, ".config", "sesame", "sessions.toml");
  writeFileSync(catalogFile, catalog);
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, SESAME_BIN: "/opt/sesame/bin/sesame" };
  const sync = (...args: string[]) => {
    const r = Bun.spawnSync([process.execPath, MAIN, "profiles", "sync", ...args], { env, cwd: dir });
    return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  return { dir, env, catalogFile, config: join(dir, ".aws", "config"), sync };
}

const FOREIGN = "# keep me\r\n[default]\r\nregion = us-west-2\r\n\r\n[profile work]\r\nregion   =   x\r\n";

describe("profiles sync", () => {
  test("creates ~/.aws/config with one managed profile per session", () => {
    const h = home();
    const r = h.sync();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`sesame: profiles sync: added 2, updated 0, removed 0, skipped 0 (${h.config})\n`);
    expect(readFileSync(h.config, "utf8")).toBe(
      `[profile alice]\nsesame_managed = true\nsesame_catalog = ${h.catalogFile}\ncredential_process = /opt/sesame/bin/sesame credential-process alice\nregion = eu-west-1\n\n` +
        `[profile dev]\nsesame_managed = true\nsesame_catalog = ${h.catalogFile}\ncredential_process = /opt/sesame/bin/sesame credential-process dev\nregion = us-east-2\n`,
    );
    expect(existsSync(`${h.config}.sesame-backup`)).toBe(false); // nothing to back up
    expect(statSync(join(h.dir, ".aws")).isDirectory()).toBe(true);
  });

  test("keeps foreign bytes, backs up the previous file, and a second run writes nothing", () => {
    const h = home();
    mkdirSync(join(h.dir, ".aws"));
    writeFileSync(h.config, FOREIGN);
    expect(h.sync().code).toBe(0);
    const after = readFileSync(h.config, "utf8");
    expect(after.startsWith(FOREIGN)).toBe(true);
    expect(readFileSync(`${h.config}.sesame-backup`, "utf8")).toBe(FOREIGN);

    // a second run: same bytes, same inode (an atomic write would have replaced it), backup untouched
    const ino = statSync(h.config).ino;
    writeFileSync(`${h.config}.sesame-backup`, "marker");
    const again = h.sync();
    expect(again.stderr).toContain("added 0, updated 0, removed 0, skipped 0");
    expect(readFileSync(h.config, "utf8")).toBe(after);
    expect(statSync(h.config).ino).toBe(ino);
    expect(readFileSync(`${h.config}.sesame-backup`, "utf8")).toBe("marker");
  });

  test("--dry-run prints a diff and writes nothing", () => {
    const h = home();
    mkdirSync(join(h.dir, ".aws"));
    writeFileSync(h.config, FOREIGN);
    const ino = statSync(h.config).ino;
    const r = h.sync("--dry-run");
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith(`--- ${h.config}\n+++ ${h.config} (after sesame profiles sync)\n@@ `);
    // the file's own CRLF endings, so the output is a patch that applies
    expect(r.stdout).toContain(`+[profile dev]\r\n+sesame_managed = true\r\n+sesame_catalog = ${h.catalogFile}\r\n+credential_process = /opt/sesame/bin/sesame credential-process dev\r\n+region = us-east-2\r\n`);
    expect(r.stderr).toBe("sesame: profiles sync (dry run, nothing written): added 2, updated 0, removed 0, skipped 0\n");
    expect(readFileSync(h.config, "utf8")).toBe(FOREIGN);
    expect(statSync(h.config).ino).toBe(ino);
    expect(existsSync(`${h.config}.sesame-backup`)).toBe(false);
  });

  test("a foreign profile with a session's name is skipped with a warning that names it", () => {
    const h = home();
    mkdirSync(join(h.dir, ".aws"));
    writeFileSync(h.config, "[profile dev]\nregion = ap-south-1\n");
    const r = h.sync();
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`sesame: skipped "dev": ${h.config} already has a profile "dev" that sesame does not manage`);
    expect(r.stderr).toContain("added 1, updated 0, removed 0, skipped 1");
    expect(readFileSync(h.config, "utf8")).toStartWith("[profile dev]\nregion = ap-south-1\n\n[profile alice]\n");
  });

  test("sessions removed from the catalog lose their profile", () => {
    const h = home();
    h.sync();
    writeFileSync(h.catalogFile, CATALOG.replace(/\[session\.dev\][^]*$/, ""));
    const r = h.sync();
    expect(r.stderr).toContain("added 0, updated 0, removed 1, skipped 0");
    expect(readFileSync(h.config, "utf8")).not.toContain("[profile dev]");
  });

  test("AWS_CONFIG_FILE is honoured, ~ included; a catalog elsewhere is named with --config", () => {
    const h = home();
    const elsewhere = join(h.dir, "my catalog.toml");
    writeFileSync(elsewhere, CATALOG);
    h.env.AWS_CONFIG_FILE = "~/custom/aws-config";
    h.env.SESAME_CONFIG = elsewhere;
    expect(h.sync().code).toBe(0);
    const text = readFileSync(join(h.dir, "custom", "aws-config"), "utf8");
    expect(text).toContain(`credential_process = /opt/sesame/bin/sesame credential-process dev --config "${elsewhere}"\n`);
    expect(existsSync(h.config)).toBe(false);
  });

  test("a symlinked config stays a symlink; the file it points to is updated", () => {
    const h = home();
    mkdirSync(join(h.dir, "dotfiles"));
    mkdirSync(join(h.dir, ".aws"));
    writeFileSync(join(h.dir, "dotfiles", "aws-config"), "[default]\n");
    symlinkSync(join(h.dir, "dotfiles", "aws-config"), h.config);
    expect(h.sync().code).toBe(0);
    expect(lstatSync(h.config).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(h.dir, "dotfiles", "aws-config"), "utf8")).toContain("[profile alice]");
  });

  test("a broken catalog is refused before the config is touched", () => {
    const h = home("[session.x]\ntype = \"nope\"\n");
    const r = h.sync();
    expect(r.code).toBe(3);
    expect(existsSync(h.config)).toBe(false);
  });
});

describe("how the AWS CLI will start sesame", () => {
  test("a compiled binary names itself", () => {
    expect(sesameArgv({}, "/usr/local/bin/sesame")).toEqual(["/usr/local/bin/sesame"]);
    expect(sesameArgv({ SESAME_BIN: "/elsewhere" }, "/usr/local/bin/sesame")).toEqual(["/usr/local/bin/sesame"]);
  });
  test("started through a symlink (Homebrew), the symlink is written: it survives upgrades", () => {
    const dir = mkdtempSync(join(tmpdir(), "sesame-self-"));
    const real = join(dir, "Cellar", "1.2.3", "sesame");
    mkdirSync(join(dir, "Cellar", "1.2.3"), { recursive: true });
    mkdirSync(join(dir, "bin"));
    mkdirSync(join(dir, "other"));
    writeFileSync(real, "");
    writeFileSync(join(dir, "other", "sesame"), ""); // a different sesame earlier on PATH
    symlinkSync(real, join(dir, "bin", "sesame"));
    const PATH = [join(dir, "other"), join(dir, "bin")].join(":");
    expect(stableSelf(real, join(dir, "bin", "sesame"), PATH)).toBe(join(dir, "bin", "sesame"));
    expect(stableSelf(real, "sesame", PATH)).toBe(join(dir, "bin", "sesame"));
    expect(stableSelf(real, "sesame", join(dir, "other"))).toBe(real);
    expect(stableSelf(real, undefined, PATH)).toBe(real);
  });
  test("from source: $SESAME_BIN, else the runtime and src/main.ts", () => {
    expect(sesameArgv({ SESAME_BIN: "/opt/sesame" }, "/usr/bin/bun")).toEqual(["/opt/sesame"]);
    expect(sesameArgv({}, "/usr/bin/bun")).toEqual(["/usr/bin/bun", MAIN]);
    expect(sesameArgv({}, "/usr/bin/deno")).toEqual(["/usr/bin/deno", "run", "-A", MAIN]);
  });
  test("config path: $AWS_CONFIG_FILE or ~/.aws/config", () => {
    expect(awsConfigPath({ HOME: "/h" })).toBe("/h/.aws/config");
    expect(awsConfigPath({ HOME: "/h", AWS_CONFIG_FILE: "~/x" })).toBe("/h/x");
    expect(awsConfigPath({ HOME: "/h", AWS_CONFIG_FILE: "/abs/c" })).toBe("/abs/c");
  });
});
