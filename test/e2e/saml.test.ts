// Issue 14 part 5 through the compiled binary: saml sessions take the base64 SAMLResponse a command prints
// and call AssumeRoleWithSAML unsigned; the assertion is never stored; refusals in one line.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseProcessOutput, world, type World } from "./harness.ts";

const ROLE = "arn:aws:iam::666666666666:role/SamlAdmin";
const CHAINED = "arn:aws:iam::777777777777:role/Ops";
const PROVIDER = "arn:aws:iam::666666666666:saml-provider/Corp";

function assertion(opts: { notOnOrAfter?: Date; roles?: string[] } = {}): string {
  const until = (opts.notOnOrAfter ?? new Date(Date.now() + 300_000)).toISOString();
  const roles = (opts.roles ?? [`${ROLE},${PROVIDER}`]).map((r) => `<saml2:AttributeValue>${r}</saml2:AttributeValue>`).join("");
  const xml = `<saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol"><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"><saml2:Issuer>https://idp.example.com</saml2:Issuer><saml2:Subject><saml2:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">alice@example.com</saml2:NameID><saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml2:SubjectConfirmationData NotOnOrAfter="${until}" Recipient="https://signin.aws.amazon.com/saml"/></saml2:SubjectConfirmation></saml2:Subject><saml2:AttributeStatement><saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">${roles}</saml2:Attribute></saml2:AttributeStatement></saml2:Assertion></saml2p:Response>`;
  return Buffer.from(xml).toString("base64");
}

let w: World;
let file: string;
beforeAll(async () => {
  w = await world();
  file = join(w.home, "assertion.b64");
  w.emu.addRole({ arn: ROLE, maxSessionDuration: 14400 });
  w.emu.addRole({ arn: CHAINED, trust: [ROLE] });
  w.writeCatalog(`
[defaults]
region = "eu-west-1"

[session.corp]
type = "saml"
role_arn = "${ROLE}"
principal_arn = "${PROVIDER}"
saml_assertion_command = "cat '${file}'"
duration_seconds = 14400

[session.ops]
type = "assume-role"
source = "corp"
role_arn = "${CHAINED}"

[session.broken]
type = "saml"
role_arn = "${ROLE}"
principal_arn = "${PROVIDER}"
saml_assertion_command = "echo 'IdP login failed: wrong password' >&2; exit 1"

[session.hanging]
type = "saml"
role_arn = "${ROLE}"
principal_arn = "${PROVIDER}"
saml_assertion_command = "sleep 30"
`);
});
afterAll(() => w.stop());

function clearCache() {
  for (const f of readdirSync(w.cacheDir)) if (f.endsWith(".cred")) unlinkSync(join(w.cacheDir, f));
}
const calls = () => w.emu.callsFor("AssumeRoleWithSAML");

describe("saml sessions", () => {
  test("the command's assertion goes to AssumeRoleWithSAML, unsigned, and is never stored", async () => {
    const a = assertion();
    writeFileSync(file, a.replace(/(.{76})/g, "$1\n") + "\n"); // wrapped, as base64 tools print it
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "corp", "--verbose"]);
    expect(r.code).toBe(0);
    const out = parseProcessOutput(r.stdout);
    expect(Date.parse(out.Expiration) - Date.now()).toBeGreaterThan(3 * 3600_000);
    const c = calls();
    expect(c).toHaveLength(1);
    expect(c[0]!.accessKeyId).toBeUndefined();
    expect(c[0]!.params.SAMLAssertion).toBe(a);
    expect(c[0]!.params.PrincipalArn).toBe(PROVIDER);
    expect(c[0]!.params.DurationSeconds).toBe("14400");
    expect(r.stderr).not.toContain(a.slice(0, 60));
    for (const dir of [w.cacheDir, w.stateDir]) {
      for (const f of readdirSync(dir, { recursive: true }) as string[]) {
        let text = "";
        try {
          text = readFileSync(join(dir, f), "latin1");
        } catch { /* a folder */ }
        expect(text).not.toContain(a.slice(0, 60));
      }
    }
  });

  test("a role chains from it; list shows both", async () => {
    w.emu.resetCalls();
    const r = await w.run(["credential-process", "ops"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(calls()).toHaveLength(0); // corp came from the cache
    expect(w.emu.callsFor("AssumeRole")[0]!.params.RoleArn).toBe(CHAINED);
    const rows = JSON.parse((await w.run(["list", "--json"])).stdout) as { name: string; type: string; state: string }[];
    expect(rows.find((x) => x.name === "corp")).toMatchObject({ type: "saml", state: "cached" });
  });

  test("an expired assertion: one line with the fix", async () => {
    writeFileSync(file, assertion({ notOnOrAfter: new Date(Date.now() - 60_000) }));
    clearCache();
    const r = await w.run(["credential-process", "corp"]);
    expect(r.code).toBe(5);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("ExpiredTokenException");
    expect(r.stderr).toContain("must print a fresh one on every run");
  });

  test("an assertion without the role: AccessDenied naming the Role attribute", async () => {
    writeFileSync(file, assertion({ roles: [`arn:aws:iam::666666666666:role/Other,${PROVIDER}`] }));
    const r = await w.run(["credential-process", "corp"]);
    expect(r.code).toBe(5);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("SAML/Attributes/Role");
  });

  test("not base64, a failing command, a hanging command: one line each", async () => {
    writeFileSync(file, "<html>login page</html>\n");
    const junk = await w.run(["credential-process", "corp"]);
    expect(junk.code).toBe(4);
    expect(junk.stderr).toContain("printed no base64 SAMLResponse");
    const broken = await w.run(["credential-process", "broken"]);
    expect(broken.code).toBe(4);
    expect(broken.stderr.trim().split("\n")).toHaveLength(1);
    expect(broken.stderr).toContain("failed with exit status 1: IdP login failed: wrong password");
    const hanging = await w.run(["credential-process", "hanging"], { env: { SESAME_COMMAND_TIMEOUT: "1" } });
    expect(hanging.code).toBe(4);
    expect(hanging.stderr).toContain("did not finish within 1 s");
  });
});
