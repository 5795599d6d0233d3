// sesame whoami NAME [--json]: who AWS says the session is (STS GetCallerIdentity), the quickest
// proof that a session works end to end. --json uses the AWS CLI's own field names.
import { forTerminal } from "../output/sanitize.ts";
import { writeSync } from "node:fs";
import { stsCallRegion } from "../catalog/catalog.ts";
import { loadSession } from "../catalog/load.ts";
import type { Env } from "../types.ts";

export async function whoami(name: string, opts: { config?: string; json?: boolean }, env: Env = process.env): Promise<void> {
  const { cat, session: s } = await loadSession(name, opts.config, env);
  const { withSessionCredentials } = await import("../credentials/resolve.ts");
  const { stsAdapter } = await import("../aws/sts.ts");
  const sts = stsAdapter(env);
  const id = await withSessionCredentials(cat, s, env, (creds) => sts.getCallerIdentity(creds, stsCallRegion(s, cat), s.name));
  const fields = { UserId: id.userId, Account: id.account, Arn: id.arn };
  if (opts.json) {
    writeSync(1, JSON.stringify(fields) + "\n");
    return;
  }
  writeSync(1, `Account  ${forTerminal(fields.Account)}\nArn      ${forTerminal(fields.Arn)}\nUserId   ${forTerminal(fields.UserId)}\n`);
}
