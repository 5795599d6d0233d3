// The MFA code for a hop: from mfa_process (a password manager's TOTP, `ykman oath accounts code`) or
// typed on the terminal (Deps.mfaCode). AWS accepts a code once, so:
// - within one resolution a device's code is asked for once; a later hop of the same chain with the same
//   mfa_serial sends none (its source's session already carries that MFA);
// - a code already sent to AWS (by this or an earlier run) is never sent again: a repeated code is refused
//   here with one line, before AWS sees it. Only a hash of serial and code is remembered, in the state
//   folder, for the few minutes a TOTP code can be shown.
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { NeedsInput } from "../errors.ts";
import { forTerminal } from "../output/sanitize.ts";
import { runCommand } from "./run-command.ts";
import type { Deps } from "./types.ts";

/** A TOTP code is shown for 30 s; AWS also accepts the neighbouring windows. */
const REMEMBER_MS = 5 * 60_000;

interface Hop {
  name: string;
  mfa_serial?: string;
  mfa_process?: string;
}

/** Codes already obtained in one resolution (one Deps), by serial. */
const perResolution = new WeakMap<Deps, Set<string>>();

/**
 * The code to send for this hop, or undefined when this resolution has already sent the device's code
 * (the chain below is authenticated with it). Only called for a hop with mfa_serial.
 */
export async function mfaCodeFor(s: Hop, d: Deps): Promise<string | undefined> {
  const serial = s.mfa_serial!;
  let asked = perResolution.get(d);
  if (!asked) perResolution.set(d, (asked = new Set()));
  if (asked.has(serial)) return undefined;
  const code = s.mfa_process ? await fromProcess(s, serial, d) : await d.mfaCode(serial, s.name);
  if (await alreadyUsed(d.stateDir, serial, code, d.now())) {
    throw new NeedsInput(
      "mfa.code-reused",
      `session "${s.name}": the MFA code ${s.mfa_process ? "mfa_process printed" : "entered"} for ${forTerminal(serial)} was already sent to AWS, which accepts a code once`,
      "wait for the next code (TOTP codes change every 30 s) and run the command again",
    );
  }
  asked.add(serial);
  return code;
}

async function fromProcess(s: Hop, serial: string, d: Deps): Promise<string> {
  // Processes waiting on this one's locks can now say what they wait for (store/lock.ts).
  (await import("../store/lock.ts")).announce(`running mfa_process for ${s.name}`);
  const out = (await runCommand(s.mfa_process!, { key: "mfa_process", session: s.name, env: d.env, terminal: true })).trim();
  // ykman and password managers print the code alone, some with a label before it: take the last 6 digits.
  const m = /(?:^|\s)(\d{6})$/.exec(out);
  if (!m) {
    throw new NeedsInput("mfa.bad-code", `mfa_process of session "${s.name}" printed no 6-digit code for ${forTerminal(serial)}`, `run it yourself: it must print the code on stdout (e.g. ykman oath accounts code --single NAME)`);
  }
  return m[1]!;
}

/** Whether this serial's code was sent recently; records it when not (it is sent right after). */
async function alreadyUsed(stateDir: string, serial: string, code: string, now: number): Promise<boolean> {
  const dir = join(stateDir, "mfa-used");
  const file = join(dir, createHash("sha256").update(serial).digest("hex").slice(0, 32));
  const digest = createHash("sha256").update(`${serial}\n${code}`).digest("hex");
  let seen: Record<string, number> = {};
  try {
    seen = JSON.parse(await readFile(file, "utf8")) as Record<string, number>;
  } catch { /* none yet, or unreadable: start afresh */ }
  const fresh: Record<string, number> = {};
  for (const [h, at] of Object.entries(seen)) if (typeof at === "number" && now - at < REMEMBER_MS) fresh[h] = at;
  if (fresh[digest] !== undefined) return true;
  fresh[digest] = now;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(fresh), { mode: 0o600 });
    await rename(tmp, file);
  } catch { /* a state folder that cannot be written must not stop the call: AWS still refuses a reuse */ }
  return false;
}
