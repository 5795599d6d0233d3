// Hardening 4 — concurrency: 50 parallel credential-process calls (an IAM chain and an SSO role) mixed with
// `secret set` (a new key), `secret delete`, `logout` and catalog edits. No crash; every credential printed is
// genuine and for the role the catalog named while the call ran; and (probe of a known race) no call that
// starts after a delete, a logout or a key change is served credentials from the old secret or sign-in.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ALICE_AND_DEV, DEV_ROLE, PROD_ROLE, type Run, type World } from "../e2e/harness.ts";
import { ADMIN_SESSION, deviceLogin, ssoCatalog, ssoWorld } from "../e2e/sso-harness.ts";
import { budget, count, figure, isOneLine, judge, listDir, parseOut, rng, SEED, sleep, start } from "./support.ts";

const PROD_ROLE_B = "arn:aws:iam::333333333333:role/DeployB";
const catalogFor = (prodRole: string) => `
[defaults]
region = "eu-west-1"
${ssoCatalog("", `${ALICE_AND_DEV}
[session.prod]
type = "assume-role"
source = "dev"
role_arn = "${prodRole}"
${ADMIN_SESSION}`)}`;

let w: World;
beforeAll(async () => {
  w = await ssoWorld(catalogFor(PROD_ROLE));
  // The file keyring: its writers take a lock, its readers see one whole file or the other. (The OS keyring
  // under the same kind of load: "the OS keyring under concurrency" below.)
  w.env.SESAME_KEYRING = "file";
  w.env.SESAME_FILE_PASSPHRASE = "concurrency-passphrase";
  w.emu.addRole({ arn: PROD_ROLE_B, trust: [DEV_ROLE] });
  w.emu.state.roles.get(PROD_ROLE)!.requiredExternalId = undefined;
});
afterAll(() => w.stop());

/** The catalog is replaced as editors do it (write a copy, rename over), so a reader sees one version or the other. */
function editCatalog(prodRole: string): void {
  const tmp = `${w.catalog}.edit`;
  writeFileSync(tmp, catalogFor(prodRole));
  renameSync(tmp, w.catalog);
}

async function setKey(key: { accessKeyId: string; secretAccessKey: string }): Promise<Run> {
  return start(["secret", "set", "alice"], w.env, `${key.accessKeyId}\n${key.secretAccessKey}\n`).done;
}

/** `sesame login corp` by device code, the test approving the code as the user would. */
async function login(): Promise<void> {
  expect((await deviceLogin(w, ["--device-code"])).code).toBe(0);
}

interface Call {
  name: string;
  startAt: number;
  endAt: number;
  r: Run & { signal: string | null };
}
interface Change {
  what: "edit" | "set" | "delete" | "logout";
  doneAt: number;
  role?: string;
  key?: string;
}

/** One round: fresh secret and sign-in, then `calls` parallel calls spread over ~2 s, with the changes among them. */
async function round(seed: number, calls: number): Promise<{ calls: Call[]; changes: Change[]; oldKey: string; newKey: string }> {
  const rand = rng(seed);
  editCatalog(PROD_ROLE);
  expect((await start(["cache", "clear"], w.env).done).code).toBe(0); // rounds do not inherit each other's entries
  const first = w.emu.addUser({ userName: "alice", account: "111111111111" });
  expect((await setKey(first)).code).toBe(0);
  await login();
  // warm some entries so the changes race with hits as well as with refreshes
  await Promise.all(["prod", "admin"].map((n) => start(["credential-process", n], w.env).done));
  const second = w.emu.addUser({ userName: "alice", account: "111111111111" });
  const changes: Change[] = [];
  const plan: [number, () => Promise<Change>][] = [
    [rand() * 600, async () => (editCatalog(PROD_ROLE_B), { what: "edit", doneAt: performance.now(), role: PROD_ROLE_B })],
    [300 + rand() * 600, async () => ((await setKey(second)).code === 0 ? { what: "set", doneAt: performance.now(), key: second.accessKeyId } : fail("secret set failed"))],
    [900 + rand() * 500, async () => (editCatalog(PROD_ROLE), { what: "edit", doneAt: performance.now(), role: PROD_ROLE })],
    [1000 + rand() * 800, async () => ((await start(["logout", "corp"], w.env).done).code === 0 ? { what: "logout", doneAt: performance.now() } : fail("logout failed"))],
    [1400 + rand() * 500, async () => ((await start(["secret", "delete", "alice"], w.env).done).code === 0 ? { what: "delete", doneAt: performance.now() } : fail("secret delete failed"))],
  ];
  const names = ["alice", "dev", "prod", "prod", "admin"];
  let deleted!: () => void;
  const afterDelete = new Promise<void>((r) => (deleted = r));
  const jobs: Promise<unknown>[] = plan.map(async ([at, run]) => {
    await sleep(at);
    const ch = await run();
    changes.push(ch);
    if (ch.what === "delete") deleted();
  });
  const out: Call[] = [];
  for (let i = 0; i < calls; i++) {
    const at = rand() * 2200;
    const name = names[Math.floor(rand() * names.length)]!;
    jobs.push(
      (async () => {
        // The last few start only once the delete is done, so every round mixes hits, refreshes and
        // "secret gone" however slowly a loaded machine runs the changes; the rest race with them.
        if (i >= calls - 4) await afterDelete.then(() => sleep(rand() * 200));
        else await sleep(at);
        const startAt = performance.now();
        const r = await start(["credential-process", name], w.env).done;
        out.push({ name, startAt, endAt: performance.now(), r });
      })(),
    );
  }
  await Promise.all(jobs);
  changes.sort((a, b) => a.doneAt - b.doneAt);
  const res = { calls: out, changes, oldKey: first.accessKeyId, newKey: second.accessKeyId };
  storedBefore.push(first.accessKeyId, second.accessKeyId);
  return res;
}

/** Every key stored by an earlier round: credentials from one of those are stale, not forged. */
const storedBefore: string[] = [];

function fail(msg: string): never {
  throw new Error(msg);
}

/** Roles prod may have been while a call ran: the one in force when it started, or any written before it ended. */
function prodRolesDuring(c: Call, changes: Change[]): string[] {
  let atStart = PROD_ROLE;
  const during: string[] = [];
  for (const ch of changes) {
    if (ch.what !== "edit") continue;
    if (ch.doneAt <= c.startAt) atStart = ch.role!;
    else if (ch.doneAt < c.endAt) during.push(ch.role!);
  }
  return [atStart, ...during];
}

/** Checks every call; returns the violations of "no credentials of a changed or deleted session". */
function check(res: Awaited<ReturnType<typeof round>>): { crashes: string[]; wrong: string[]; stale: string[] } {
  const crashes: string[] = [];
  const wrong: string[] = [];
  const stale: string[] = [];
  const doneAt = (what: Change["what"]) => res.changes.find((c) => c.what === what)!.doneAt;
  for (const c of res.calls) {
    const { r } = c;
    const tag = `${c.name} @${Math.round(c.startAt)}ms: exit ${r.code} ${r.stderr.trim()}`;
    // no crash: a status sesame means, one line on failure, nothing on stdout then
    if (r.signal || ![0, 4, 5].includes(r.code) || (r.code !== 0 && (!isOneLine(r.stderr) || r.stdout !== "")) || (r.code === 0 && r.stderr !== "")) {
      crashes.push(tag);
      continue;
    }
    if (r.code !== 0) continue;
    const v = judge(w.emu, parseOut(r.stdout));
    const expected = c.name === "alice" ? [w.alice.arn] : c.name === "dev" ? [DEV_ROLE] : c.name === "prod" ? prodRolesDuring(c, res.changes) : undefined;
    if (!v.ok) wrong.push(`${tag}: ${v.why}`);
    else if (expected && !expected.includes(v.principal!)) wrong.push(`${tag}: acts as ${v.principal}, catalog said ${expected.join(" or ")}`);
    else if (c.name === "admin" && !(v.sso && /AWSReservedSSO_AdministratorAccess_/.test(v.principal!))) wrong.push(`${tag}: not the SSO role (${v.principal})`);
    else if (c.name !== "admin" && v.rootKey !== res.oldKey && v.rootKey !== res.newKey) {
      if (storedBefore.includes(v.rootKey!)) stale.push(`${tag}: from a key deleted in an earlier round`);
      else wrong.push(`${tag}: signed by a key never stored (${v.rootKey})`);
    }
    // the strict promise: started after the change was complete → nothing from before it
    else if (c.name === "admin" && c.startAt > doneAt("logout")) stale.push(`${tag}: served after logout`);
    else if (c.name !== "admin" && c.startAt > doneAt("delete")) stale.push(`${tag}: served after secret delete`);
    else if (c.name !== "admin" && c.startAt > doneAt("set") && v.rootKey !== res.newKey) stale.push(`${tag}: from the replaced key`);
  }
  return { crashes, wrong, stale };
}

describe("50 parallel calls mixed with secret set/delete, logout and catalog edits", () => {
  // Was defect RACE-FORGET (fixed in 94018aa by a generation per root of trust): `secret delete/set` and
  // `logout` deleted entries without regard to refreshes in flight, which wrote theirs afterwards; later calls
  // were served credentials from the deleted key or sign-in. The "stale" checks below are that promise.
  test("no crash; every credential printed is genuine, for the role the catalog named, and from no deleted secret or sign-in", async () => {
    const rounds = count(1, 8);
    const stats = { rounds: 0, calls: 0, crashes: 0, wrong: 0, stale: 0 };
    for (let i = 0; i < rounds; i++) {
      const res = await round(SEED + i, 50);
      const { crashes, wrong, stale } = check(res);
      // once everything has finished, the old secret and sign-in are gone for good
      for (const name of ["alice", "dev", "prod", "admin"]) {
        const r = await start(["credential-process", name], w.env).done;
        if (r.code !== 4) stale.push(`${name} after the round: exit ${r.code}`);
      }
      Object.assign(stats, { rounds: stats.rounds + 1, calls: stats.calls + res.calls.length, crashes: stats.crashes + crashes.length, wrong: stats.wrong + wrong.length, stale: stats.stale + stale.length });
      expect(crashes).toEqual([]);
      expect(wrong).toEqual([]);
      expect(stale).toEqual([]);
      // the mix really mixed: some calls succeeded, some found the secret or the sign-in gone
      expect(res.calls.some((c) => c.r.code === 0)).toBe(true);
      expect(res.calls.some((c) => c.r.code === 4)).toBe(true);
      // afterwards nothing is left blocking: a later caller never waits on a lock
      expect(listDir(w.cacheDir).filter((f) => f.endsWith(".lock"))).toEqual([]);
    }
    figure({ area: "concurrency", what: "50 parallel calls + set/delete/logout/2 edits (seed " + SEED + ")", trials: stats.rounds, failures: stats.crashes + stats.wrong + stats.stale, cases: stats.calls, note: `crashes ${stats.crashes}, wrong credentials ${stats.wrong}, stale (deleted/replaced secret or sign-in) ${stats.stale}` });
  }, budget(60_000));
});

describe("a deleted secret and a catalog edited back", () => {
  // Was defect FORGET-BY-IDENTITY (fixed in 94018aa): `secret delete` deleted only the entries of the catalog as
  // it was then, and an entry cached under an earlier version was served again once the catalog was edited back.
  test("secret delete, then the catalog edited back: the old entry is not served", async () => {
    editCatalog(PROD_ROLE);
    const key = w.emu.addUser({ userName: "alice", account: "111111111111" });
    expect((await setKey(key)).code).toBe(0);
    expect((await start(["credential-process", "prod"], w.env).done).code).toBe(0); // cached under role A
    editCatalog(PROD_ROLE_B);
    expect((await start(["secret", "delete", "alice"], w.env).done).code).toBe(0);
    editCatalog(PROD_ROLE);
    const r = await start(["credential-process", "prod"], w.env).done;
    expect(r.stdout).toBe("");
    expect(r.code).toBe(4);
  });
});

describe("the OS keyring under concurrency", () => {
  // Was defect OSKR-RACE (fixed in 4763eb7): parallel `secret set` / `secret delete` of one account raced inside
  // the Secret Service, and the loser failed with exit 6, "No such interface “org.freedesktop.Secret.Item” … —
  // start a Secret Service", which was not what was wrong.
  test("parallel secret set / delete / reads of one account on the OS keyring never fail with a keyring error", async () => {
    const env = { ...w.env, SESAME_KEYRING: "os" } as Record<string, string>;
    const rounds = count(3, 12);
    const failures: string[] = [];
    for (let i = 0; i < rounds; i++) {
      const key = w.emu.addUser({ userName: "alice", account: "111111111111" });
      const jobs = Array.from({ length: 30 }, (_, j) =>
        j % 6 === 0 ? start(["secret", "set", "alice"], env, `${key.accessKeyId}\n${key.secretAccessKey}\n`).done
        : j % 6 === 1 ? start(["secret", "delete", "alice"], env).done
        : start(["credential-process", "alice", "--no-cache"], env).done);
      for (const r of await Promise.all(jobs)) if (r.code === 6 || r.code === 70) failures.push(r.stderr.trim());
    }
    figure({ area: "concurrency", what: "OS keyring: 30 parallel set/delete/read of one account", trials: rounds, failures: failures.length, cases: rounds * 30 });
    expect(failures).toEqual([]);
  }, budget(60_000));
});

describe("the file keyring under concurrency", () => {
  test("parallel `secret set` of 12 sessions lose none, and parallel reads never see a damaged file", async () => {
    const rounds = count(1, 5);
    const n = 12;
    const names = Array.from({ length: n }, (_, i) => `u${String(i).padStart(2, "0")}`);
    const catalog = join(w.home, "many.toml");
    writeFileSync(catalog, `[defaults]\nregion = "eu-west-1"\n\n${names.map((u) => `[session.${u}]\ntype = "iam-user"\n`).join("\n")}`);
    const env = { ...w.env, SESAME_KEYRING: "file", SESAME_FILE_PASSPHRASE: "parallel-pass", SESAME_FILE_KEYRING: join(w.home, "parallel-keyring.enc") };
    let failures = 0;
    let cases = 0;
    for (let round = 0; round < rounds; round++) {
      const keys = names.map((u) => w.emu.addUser({ userName: u, account: "111111111111" }));
      // a first key so readers have something to read while the writers run
      expect((await start(["secret", "set", names[0]!, "--config", catalog], env, `${keys[0]!.accessKeyId}\n${keys[0]!.secretAccessKey}\n`).done).code).toBe(0);
      const writers = names.map((u, i) => start(["secret", "set", u, "--config", catalog], env, `${keys[i]!.accessKeyId}\n${keys[i]!.secretAccessKey}\n`).done);
      const readers = Array.from({ length: 12 }, () => start(["credential-process", names[0]!, "--config", catalog, "--no-cache"], env).done);
      const [w8, r8] = [await Promise.all(writers), await Promise.all(readers)];
      for (const r of w8) {
        cases++;
        if (r.code !== 0) failures++;
        expect(r.stderr).toContain("stored access key");
        expect(r.code).toBe(0);
      }
      for (const r of r8) {
        cases++;
        if (r.code !== 0) failures++;
        expect(r.stderr).toBe("");
        expect(judge(w.emu, parseOut(r.stdout)).ok).toBe(true);
      }
      // every key made it: each session signs with its own, new key
      const after = await Promise.all(names.map((u) => start(["credential-process", u, "--config", catalog, "--no-cache"], env).done));
      after.forEach((r, i) => {
        const v = judge(w.emu, parseOut(r.stdout));
        if (!v.ok || v.rootKey !== keys[i]!.accessKeyId) failures++;
        expect(v.rootKey).toBe(keys[i]!.accessKeyId);
      });
    }
    figure({ area: "concurrency", what: "file keyring: 12 parallel writers + 12 readers", trials: rounds, failures, cases });
    expect(failures).toBe(0);
  }, budget(60_000));
});
