// sesame sso sync SSO [--dry-run] [--no-prune] [--region R]: every account and role the login reaches
// becomes a catalog session, inside the region of the catalog that sesame owns for that SSO.
import { readFileSync, writeSync } from "node:fs";
import { catalogPath } from "../locations.ts";
import { loadCatalog } from "../catalog/load.ts";
import { realDeps } from "../credentials/deps.ts";
import { REGION_RE } from "../catalog/validate.ts";
import { UsageError } from "../errors.ts";
import { writeFileAtomic } from "../runtime/files.ts";
import { ssoAccessToken } from "../sso/access-token.ts";
import { diffText, planSync, type Assignment } from "../catalog/sso-sync-plan.ts";
import { ssoSessionNamed } from "../catalog/catalog.ts";
import { mapBounded } from "../runtime/map-bounded.ts";
import type { Env } from "../types.ts";

export async function ssoSyncCommand(name: string, opts: { config?: string; dryRun?: boolean; prune?: boolean; region?: string }, env: Env = process.env): Promise<void> {
  const file = catalogPath(opts.config, env);
  const cat = loadCatalog(file);
  const sso = ssoSessionNamed(cat, name);
  if (opts.region !== undefined && !REGION_RE.test(opts.region)) throw new UsageError(`--region "${opts.region}" is not an AWS region name`, "use a name such as eu-west-1");
  const d = realDeps(cat, env);
  const token = await ssoAccessToken(sso, d);
  const portal = await d.ssoPortal();
  const accounts = await portal.listAccounts(sso.sso_region, token);
  // A few accounts at a time: an organisation of 800 accounts listed one by one takes minutes; the portal
  // throttles bursts, and the SDK's adaptive retries (one shared rate limiter) pace the listers.
  const progress = listingProgress(accounts.length);
  const rolesOf = await mapBounded(accounts, LIST_CONCURRENCY, async (a) => {
    const roles = await portal.listAccountRoles(sso.sso_region, token, a.accountId);
    progress.tick();
    return roles;
  }).finally(() => progress.done());
  const assignments: Assignment[] = accounts.flatMap((a, i) => rolesOf[i]!.map((roleName) => ({ accountId: a.accountId, accountName: a.accountName, roleName })));
  const before = readFileSync(file, "utf8");
  const plan = planSync(before, sso.name, assignments, { prune: opts.prune !== false, file, ...(opts.region ? { region: opts.region } : {}) });
  for (const c of plan.covered ?? []) {
    writeSync(2, `sesame: skipped ${c.accountId} ${c.roleName.replace(/[\x00-\x1f\x7f-\x9f]/g, "")}: session "${c.session}" already covers it\n`);
  }
  const coveredPart = plan.covered?.length ? `, ${plan.covered.length} already covered` : "";
  const summary = `${accounts.length} account${accounts.length === 1 ? "" : "s"}, ${assignments.length} role${assignments.length === 1 ? "" : "s"}: ${plan.added.length} added, ${plan.removed.length} removed, ${plan.kept.length} kept${coveredPart}`;
  if (opts.dryRun) {
    if (plan.changed) writeSync(1, diffText(before, plan.text));
    writeSync(2, `sesame: ${summary} (dry run: ${file} not changed)\n`);
    return;
  }
  if (plan.changed) {
    // Re-read right before writing: refuse to clobber an edit made while we were listing.
    if (readFileSync(file, "utf8") !== before) throw new UsageError(`${file} changed while sesame was syncing`, `run: sesame sso sync ${sso.name} again`);
    writeFileAtomic(file, plan.text);
  }
  writeSync(2, `sesame: ${summary}${plan.changed ? ` — updated ${file}` : " — nothing to change"}\n`);
}

const LIST_CONCURRENCY = 6;

/** "listing roles: 120/800 accounts" on a terminal, for organisations big enough to wait for. */
function listingProgress(total: number): { tick(): void; done(): void } {
  if (total < 20 || !process.stderr.isTTY) return { tick() {}, done() {} };
  let n = 0;
  let shown = 0;
  return {
    tick() {
      n++;
      const now = Date.now();
      if (now - shown < 150 && n < total) return;
      shown = now;
      writeSync(2, `\rsesame: listing roles: ${n}/${total} accounts`);
    },
    done() {
      writeSync(2, "\r\x1b[K");
    },
  };
}
