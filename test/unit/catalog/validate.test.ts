import { describe, expect, test } from "bun:test";
import { parseToml } from "../../../src/catalog/parse.ts";
import { parseDuration, validateCatalog } from "../../../src/catalog/validate.ts";
import { CatalogError, EXIT } from "../../../src/errors.ts";

const load = (toml: string) => validateCatalog(parseToml("/cat.toml", toml));

function refusal(toml: string): CatalogError {
  try {
    load(toml);
  } catch (e) {
    if (e instanceof CatalogError) return e;
    throw e;
  }
  throw new Error("catalog was accepted");
}

const GOOD = `
[defaults]
region = "eu-west-1"
refresh_margin = "10m"

[session.alice]
type = "iam-user"
mfa_serial = "arn:aws:iam::111111111111:mfa/alice"

[session.dev]
type = "assume-role"
source = "alice"
role_arn = "arn:aws:iam::222222222222:role/Dev"
external_id = "ext-123"

[session.prod]
type = "assume-role"
source = "dev"
role_arn = "arn:aws:iam::333333333333:role/Deploy"
region = "us-east-2"
duration_seconds = 3600
`;

describe("a valid catalog", () => {
  test("becomes typed sessions with defaults applied", () => {
    const cat = load(GOOD);
    expect(cat.defaults).toEqual({ region: "eu-west-1", refreshMargin: 600, renewFloor: 300 });
    expect([...cat.sessions.keys()]).toEqual(["alice", "dev", "prod"]);
    const prod = cat.sessions.get("prod")!;
    expect(prod.type).toBe("assume-role");
    if (prod.type === "assume-role") {
      expect(prod.source).toBe("dev");
      expect(prod.duration_seconds).toBe(3600);
      expect(prod.region).toBe("us-east-2");
    }
  });

  test("a refresh_margin below every session's default lifetime is accepted", () => {
    const cat = load(`[defaults]\nrefresh_margin = "59m"\n[session.u]\ntype = "iam-user"\n[session.a]\ntype = "assume-role"\nsource = "u"\nrole_arn = "arn:aws:iam::111111111111:role/R"\n[session.b]\ntype = "assume-role"\nsource = "u"\nrole_arn = "arn:aws:iam::111111111111:role/R"\nduration_seconds = 3600\n`);
    expect(cat.defaults.refreshMargin).toBe(3540);
    // an explicit duration_seconds longer than the margin lifts the default: 2h margin, 3h user
    expect(load(`[defaults]\nrefresh_margin = "2h"\n[session.u]\ntype = "iam-user"\nduration_seconds = 10800\n`).sessions.size).toBe(1);
  });

  test("the default refresh margin is 15 minutes", () => {
    expect(load(`[session.a]\ntype = "iam-user"\n`).defaults.refreshMargin).toBe(900);
  });

  test("sso and web-identity sessions are recognised", () => {
    const cat = load(`
[sso-session.corp]
sso_start_url = "https://corp.awsapps.com/start"
sso_region = "eu-west-1"

[session.admin]
type = "sso"
sso_session = "corp"
sso_account_id = "111111111111"
sso_role_name = "AdministratorAccess"

[session.ci]
type = "web-identity"
role_arn = "arn:aws:iam::333333333333:role/CI"
web_identity_token_file = "/var/run/secrets/token"
`);
    expect(cat.sessions.get("admin")?.type).toBe("sso");
    expect(cat.ssoSessions.get("corp")?.sso_registration_scopes).toEqual(["sso:account:access"]);
    expect(cat.sessions.get("ci")?.type).toBe("web-identity");
  });

  test("web-identity: neither token file nor command means the GitHub Actions token service, with an audience", () => {
    const cat = load(`[session.gha]\ntype = "web-identity"\nrole_arn = "arn:aws:iam::333333333333:role/CI"\naudience = "api://ci"\n`);
    const s = cat.sessions.get("gha");
    expect(s?.type === "web-identity" && s.audience).toBe("api://ci");
    expect(() => load(`[session.a]\ntype = "web-identity"\nrole_arn = "arn:aws:iam::333333333333:role/CI"\nweb_identity_token_file = "/t"\nweb_identity_token_command = "x"\n`)).toThrow(/not both/);
    expect(() => load(`[session.a]\ntype = "web-identity"\nrole_arn = "arn:aws:iam::333333333333:role/CI"\nweb_identity_token_file = "/t"\naudience = "x"\n`)).toThrow(/audience applies only to the GitHub Actions token service/);
  });

  test("a role whose source is an iam-user may last up to 12 hours (assumed with the user's key)", () => {
    const cat = load(`[session.u]\ntype = "iam-user"\n[session.a]\ntype = "assume-role"\nsource = "u"\nrole_arn = "arn:aws:iam::111111111111:role/R"\nduration_seconds = 43200\n`);
    const s = cat.sessions.get("a");
    expect(s?.type === "assume-role" && s.duration_seconds).toBe(43200);
  });

  test("saml sessions need role_arn, a SAML provider principal_arn and saml_assertion_command", () => {
    const ok = load(`[session.s]\ntype = "saml"\nrole_arn = "arn:aws:iam::111111111111:role/R"\nprincipal_arn = "arn:aws:iam::111111111111:saml-provider/Corp"\nsaml_assertion_command = "idp-login"\n`);
    expect(ok.sessions.get("s")?.type).toBe("saml");
    expect(() => load(`[session.s]\ntype = "saml"\nrole_arn = "arn:aws:iam::111111111111:role/R"\nprincipal_arn = "arn:aws:iam::111111111111:role/Corp"\nsaml_assertion_command = "x"\n`)).toThrow(/not an IAM SAML provider ARN/);
    expect(() => load(`[session.s]\ntype = "saml"\nrole_arn = "arn:aws:iam::111111111111:role/R"\nprincipal_arn = "arn:aws:iam::111111111111:saml-provider/Corp"\n`)).toThrow(/needs saml_assertion_command/);
  });

  test("mfa_process needs mfa_serial", () => {
    const cat = load(`[session.a]\ntype = "iam-user"\nmfa_serial = "arn:aws:iam::111111111111:mfa/a"\nmfa_process = "ykman oath accounts code --single aws"\n`);
    const s = cat.sessions.get("a");
    expect(s?.type === "iam-user" && s.mfa_process).toBe("ykman oath accounts code --single aws");
    expect(() => load(`[session.a]\ntype = "iam-user"\nmfa_process = "x"\n`)).toThrow(/mfa_process without mfa_serial/);
  });
});

describe("refusals name file:line:col and what to change", () => {
  test.each([
    ["unknown key with a suggestion", `[session.a]\ntype = "iam-user"\nmfa_serail = "x"\n`, 3, 1, /unknown key "mfa_serail".*did you mean "mfa_serial"/],
    ["unknown type", `[session.a]\ntype = "iam-usr"\n`, 2, 8, /unknown session type "iam-usr".*did you mean "iam-user"/],
    ["missing type", `[session.a]\nregion = "eu-west-1"\n`, 1, 1, /has no type/],
    ["wrong value type", `[session.a]\ntype = "iam-user"\nduration_seconds = "3600"\n`, 3, 20, /duration_seconds must be a whole number of seconds, not a string/],
    ["source that does not exist", `[session.a]\ntype = "assume-role"\nsource = "bob"\nrole_arn = "arn:aws:iam::111111111111:role/R"\n`, 3, 10, /source "bob" is not a session/],
    ["malformed role ARN", `[session.u]\ntype = "iam-user"\n[session.a]\ntype = "assume-role"\nsource = "u"\nrole_arn = "arn:aws:iam::1111:role/R"\n`, 6, 12, /not an IAM role ARN.*12 digits \(it has 4\)/],
    ["malformed account id", `[sso-session.c]\nsso_start_url = "https://x.awsapps.com/start"\nsso_region = "eu-west-1"\n[session.a]\ntype = "sso"\nsso_session = "c"\nsso_account_id = "12345"\nsso_role_name = "R"\n`, 7, 18, /not a 12-digit AWS account id/],
    ["GetSessionToken duration out of range", `[session.a]\ntype = "iam-user"\nduration_seconds = 600\n`, 3, 20, /outside the range STS GetSessionToken accepts.*\(900–129600\)/],
    ["chained role above the 1 hour cap", `[session.u]\ntype = "iam-user"\n[session.a]\ntype = "assume-role"\nsource = "u"\nrole_arn = "arn:aws:iam::111111111111:role/R"\n[session.b]\ntype = "assume-role"\nsource = "a"\nrole_arn = "arn:aws:iam::111111111111:role/R"\nduration_seconds = 7200\n`, 11, 20, /1 hour cap STS puts on chained roles/],
    ["unknown table", `[sessions.a]\ntype = "iam-user"\n`, 1, 1, /unknown table \[sessions\].*did you mean "session"/],
    ["bad region", `[session.a]\ntype = "iam-user"\nregion = "Europe"\n`, 3, 10, /not an AWS region name/],
    ["renew_floor not a duration", `[defaults]\nrenew_floor = "soon"\n[session.a]\ntype = "iam-user"\n`, 2, 15, /renew_floor "soon" is not a duration/],
    ["lifetime not longer than the margin", `[defaults]\nrefresh_margin = "20m"\n[session.a]\ntype = "iam-user"\nduration_seconds = 1000\n`, 5, 20, /not longer than refresh_margin/],
    ["refresh_margin not shorter than an assume-role's default hour", `[defaults]\nrefresh_margin = "1h"\n[session.u]\ntype = "iam-user"\n[session.a]\ntype = "assume-role"\nsource = "u"\nrole_arn = "arn:aws:iam::111111111111:role/R"\n`, 2, 18, /refresh_margin \(3600s\) is not shorter than the 1 hour session "a" \(assume-role\) gets by default/],
    ["refresh_margin not shorter than an sso role's 1 hour floor", `[defaults]\nrefresh_margin = "2h"\n[sso-session.c]\nsso_start_url = "https://x.awsapps.com/start"\nsso_region = "eu-west-1"\n[session.a]\ntype = "sso"\nsso_session = "c"\nsso_account_id = "123456789012"\nsso_role_name = "R"\n`, 2, 18, /session "a" \(sso\) gets by default.*lower refresh_margin below 3600s/],
    ["refresh_margin of 12h against an iam-user's default 12 hours", `[defaults]\nrefresh_margin = "12h"\n[session.a]\ntype = "iam-user"\n`, 2, 18, /the 12 hours session "a" \(iam-user\)/],
    ["invalid TOML", `[session.a]\ntype = "iam-user\n`, 2, 17, /not valid TOML/],
    ["bad session name characters", `[session."my role"]\ntype = "iam-user"\n`, 1, 1, /name "my role" cannot be used/],
  ])("%s", (_label, toml, line, col, message) => {
    const e = refusal(toml);
    expect(e.exit).toBe(EXIT.catalog);
    expect(e.pos).toEqual({ line, col });
    expect(e.toLine()).toMatch(message);
    expect(e.toLine()).toStartWith(`sesame: /cat.toml:${line}:${col}: `);
    expect(e.toLine()).not.toContain("\n");
  });

  test("a loop names the whole cycle", () => {
    const e = refusal(`
[session.a]
type = "assume-role"
source = "b"
role_arn = "arn:aws:iam::111111111111:role/A"

[session.b]
type = "assume-role"
source = "a"
role_arn = "arn:aws:iam::111111111111:role/B"
`);
    expect(e.message).toContain("the chain of sources loops: a → b → a");
    expect(e.pos).toEqual({ line: 4, col: 10 });
  });
});

test("parseDuration", () => {
  expect(parseDuration("15m")).toBe(900);
  expect(parseDuration("1h30m")).toBe(5400);
  expect(parseDuration("90s")).toBe(90);
  expect(parseDuration("fifteen")).toBeUndefined();
  expect(parseDuration("")).toBeUndefined();
});
