import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir, hostname } from "node:os";
import { join } from "node:path";
import { acquire, withLock } from "../../../src/store/lock.ts";
import { BusyError, EXIT } from "../../../src/errors.ts";

const dir = () => mkdtempSync(join(tmpdir(), "sesame-lock-"));
const opts = { timeoutMs: 2000, staleMs: 60_000, what: "testing" };

test("one holder at a time; the next gets it after release", async () => {
  const p = join(dir(), "x.lock");
  const order: string[] = [];
  const a = withLock(p, opts, async () => {
    order.push("a-in");
    await new Promise((r) => setTimeout(r, 50));
    order.push("a-out");
  });
  await new Promise((r) => setTimeout(r, 5));
  const b = withLock(p, opts, async () => {
    order.push("b-in");
  });
  await Promise.all([a, b]);
  expect(order).toEqual(["a-in", "a-out", "b-in"]);
  expect(existsSync(p)).toBe(false);
});

test("a lock whose holder died is taken over", async () => {
  const p = join(dir(), "x.lock");
  // PID 2^22+1 is above Linux's pid_max default range for most hosts; use a surely-dead PID.
  writeFileSync(p, `4194303 ${Date.now()} ${hostname()}`);
  const release = await acquire(p, opts);
  release();
  expect(existsSync(p)).toBe(false);
});

test("a lock older than staleMs is taken over even if its PID lives", async () => {
  const p = join(dir(), "x.lock");
  const old = Date.now() - 120_000;
  writeFileSync(p, `${process.pid} ${old} ${hostname()}`);
  // a short deadline: waiting on the old lock would end in BusyError, not in a lock of our own
  const release = await acquire(p, { ...opts, timeoutMs: 300 });
  const [pid, since, host, ...what] = readFileSync(p, "utf8").trim().split(" ");
  expect(pid).toBe(String(process.pid));
  expect(Number(since)).toBeGreaterThan(old);
  expect(host).toBe(hostname());
  expect(what.join(" ")).toBe(opts.what);
  release();
  expect(existsSync(p)).toBe(false);
});

test("a waiter gives up at its deadline with a clear error", async () => {
  const p = join(dir(), "x.lock");
  writeFileSync(p, `${process.pid} ${Date.now()} ${hostname()}`); // alive and young: us
  const err = await acquire(p, { ...opts, timeoutMs: 100 }).then(() => undefined, (e) => e);
  expect(err).toBeInstanceOf(BusyError);
  expect((err as BusyError).exit).toBe(EXIT.busy);
  expect((err as BusyError).message).toContain(`held by process ${process.pid}`);
});

test("a waiter is woken by the release itself, not by its fallback timer", async () => {
  const p = join(dir(), "x.lock");
  const release = await acquire(p, opts);
  // with a fallback timer of a minute, only the file event can hand the lock over within the test
  const waiting = acquire(p, { ...opts, timeoutMs: 120_000, pollMs: { first: 60_000, max: 60_000 } });
  let got = false;
  void waiting.then(() => (got = true));
  await new Promise((r) => setTimeout(r, 30));
  expect(got).toBe(false);
  release();
  const second = await waiting;
  expect(existsSync(p)).toBe(true);
  second();
  expect(existsSync(p)).toBe(false);
}, 10_000);

test("other files changing in the folder do not hand over the lock", async () => {
  const d = dir();
  const p = join(d, "x.lock");
  const release = await acquire(p, opts);
  let got = false;
  const waiting = acquire(p, { ...opts, timeoutMs: 120_000, pollMs: { first: 60_000, max: 60_000 } }).then((r) => ((got = true), r));
  for (let i = 0; i < 5; i++) writeFileSync(join(d, `other-${i}.cred`), "x");
  await new Promise((r) => setTimeout(r, 50));
  expect(got).toBe(false);
  release();
  (await waiting)();
  expect(got).toBe(true);
}, 10_000);

test("a waiter whose work the holder has done leaves without taking the lock; otherwise it takes it", async () => {
  const p = join(dir(), "x.lock");
  let done = false;
  let asked = 0;
  const holder = await acquire(p, opts);
  const creates: string[] = [];
  const waiter = withLock(p, { ...opts, doneWaiting: async () => (asked++, done) }, async () => {
    creates.push(existsSync(p) ? readFileSync(p, "utf8") : "no lock file");
  });
  await new Promise((r) => setTimeout(r, 60));
  done = true; // the holder's result is there
  holder();
  await waiter;
  expect(asked).toBeGreaterThan(0);
  expect(creates).toEqual(["no lock file"]); // it never held the lock
  // a waiter that finds nothing done takes the lock as before
  const holder2 = await acquire(p, opts);
  const taken: boolean[] = [];
  const waiter2 = withLock(p, { ...opts, doneWaiting: async () => false }, async () => {
    taken.push(readFileSync(p, "utf8").startsWith(`${process.pid} `));
  });
  await new Promise((r) => setTimeout(r, 30));
  holder2();
  await waiter2;
  expect(taken).toEqual([true]);
  expect(existsSync(p)).toBe(false);
});
