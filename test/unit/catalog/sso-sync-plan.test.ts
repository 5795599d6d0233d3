import { describe, expect, test } from "bun:test";
import { parseToml } from "../../../src/catalog/parse.ts";
import { validateCatalog } from "../../../src/catalog/validate.ts";
import { CatalogError } from "../../../src/errors.ts";
import { type Assignment, diffText, planSync, sessionName } from "../../../src/catalog/sso-sync-plan.ts";

const BEGIN = (n: string) => `# >>> sesame sso sync "${n}" — generated; edits inside are replaced on the next sync >>>`;
const END = (n: string) => `# <<< sesame sso sync "${n}" <<<`;

const SSO = `[sso-session.corp]
sso_start_url = "https://corp.awsapps.com/start"
sso_region = "eu-west-1"
`;
const OTHER_SSO = `[sso-session.other]
sso_start_url = "https://other.awsapps.com/start"
sso_region = "us-east-1"
`;

const dev: Assignment = { accountId: "111111111111", accountName: "dev", roleName: "AdministratorAccess" };
const devRO: Assignment = { accountId: "111111111111", accountName: "dev", roleName: "ReadOnly" };
const prod: Assignment = { accountId: "222222222222", accountName: "Production", roleName: "ReadOnly" };
const sandbox: Assignment = { accountId: "333333333333", accountName: "Dev Sandbox", roleName: "AdministratorAccess" };

const load = (text: string) => validateCatalog(parseToml("/cat.toml", text));

/** The text between this SSO's markers (markers included). */
function regionOf(text: string, sso: string): string {
  const from = text.indexOf(BEGIN(sso));
  const end = text.indexOf(END(sso));
  expect(from).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(from);
  return text.slice(from, end + END(sso).length);
}

describe("first sync", () => {
  test("appends one region after a blank line, sorted by account then role, with comments", () => {
    const plan = planSync(SSO, "corp", [prod, devRO, sandbox, dev], { region: "eu-west-1" });
    expect(plan.text).toBe(
      SSO +
        "\n" +
        [
          BEGIN("corp"),
          "# dev (111111111111)",
          `[session."dev.AdministratorAccess"]`,
          `type = "sso"`,
          `sso_session = "corp"`,
          `sso_account_id = "111111111111"`,
          `sso_role_name = "AdministratorAccess"`,
          `region = "eu-west-1"`,
          "",
          "# dev (111111111111)",
          `[session."dev.ReadOnly"]`,
          `type = "sso"`,
          `sso_session = "corp"`,
          `sso_account_id = "111111111111"`,
          `sso_role_name = "ReadOnly"`,
          `region = "eu-west-1"`,
          "",
          "# Dev Sandbox (333333333333)",
          `[session."dev-sandbox.AdministratorAccess"]`,
          `type = "sso"`,
          `sso_session = "corp"`,
          `sso_account_id = "333333333333"`,
          `sso_role_name = "AdministratorAccess"`,
          `region = "eu-west-1"`,
          "",
          "# Production (222222222222)",
          `[session."production.ReadOnly"]`,
          `type = "sso"`,
          `sso_session = "corp"`,
          `sso_account_id = "222222222222"`,
          `sso_role_name = "ReadOnly"`,
          `region = "eu-west-1"`,
          END("corp"),
          "",
        ].join("\n"),
    );
    expect(plan.added).toEqual(["dev.AdministratorAccess", "dev.ReadOnly", "dev-sandbox.AdministratorAccess", "production.ReadOnly"]);
    expect(plan.removed).toEqual([]);
    expect(plan.kept).toEqual([]);
    expect(plan.changed).toBe(true);
  });

  test("without a region option no region line is written", () => {
    const plan = planSync(SSO, "corp", [dev]);
    expect(plan.text).not.toMatch(/^region =/m);
    expect(load(plan.text).sessions.get("dev.AdministratorAccess")).toEqual({
      name: "dev.AdministratorAccess",
      type: "sso",
      sso_session: "corp",
      sso_account_id: "111111111111",
      sso_role_name: "AdministratorAccess",
    });
  });

  test("blank-line separation: none after a trailing blank line, a newline added when the last line has none", () => {
    expect(planSync(SSO + "\n", "corp", [dev]).text.startsWith(SSO + "\n" + BEGIN("corp"))).toBe(true);
    const noEol = SSO.trimEnd();
    expect(planSync(noEol, "corp", [dev]).text.startsWith(noEol + "\n\n" + BEGIN("corp") + "\n")).toBe(true);
    expect(planSync("", "corp", [dev]).text.startsWith(BEGIN("corp") + "\n")).toBe(true);
  });

  test("nothing discovered and no region yet: nothing is written", () => {
    const plan = planSync(SSO, "corp", []);
    expect(plan.changed).toBe(false);
    expect(plan.text).toBe(SSO);
  });

  test("the output is a catalog that parses and validates, with exactly the sessions planned", () => {
    const plan = planSync(SSO, "corp", [dev, devRO, prod, sandbox], { region: "eu-central-1" });
    const cat = load(plan.text);
    expect([...cat.sessions.keys()].sort()).toEqual([...plan.added].sort());
    const s = cat.sessions.get("production.ReadOnly");
    expect(s).toEqual({ name: "production.ReadOnly", type: "sso", sso_session: "corp", sso_account_id: "222222222222", sso_role_name: "ReadOnly", region: "eu-central-1" });
  });
});

describe("content outside the region stays byte for byte", () => {
  const head =
    "# my sessions\r\n" +
    "  # indented comment, trailing spaces   \r\n" +
    "[defaults]\r\n" +
    "region   =   \"eu-west-1\"    # odd spacing\r\n" +
    "\r\n" +
    SSO.replaceAll("\n", "\r\n") +
    "\r\n" +
    "[session.alice]\t# tab before comment\r\n" +
    "type = 'iam-user'\r\n" +
    "\r\n\r\n";
  const tail = "\r\n" + "# after the region\r\n" + "[session.ci]\r\n" + "type=\"sso\"\r\n" + "sso_session=\"corp\"\r\n" + "sso_account_id=\"999999999999\"\r\n" + "sso_role_name=\"CI\"";

  test("CRLF file with a region in the middle: prefix and suffix untouched, region in CRLF", () => {
    const first = planSync(head, "corp", [dev]);
    // appended to a file that ends with a blank line: no extra separator, CRLF throughout
    expect(first.text.startsWith(head + BEGIN("corp") + "\r\n")).toBe(true);
    expect(first.text.replaceAll("\r\n", "")).not.toContain("\n");
    const withTail = first.text + tail;
    const second = planSync(withTail, "corp", [dev, prod, sandbox], { region: "eu-west-1" });
    expect(second.changed).toBe(true);
    expect(second.text.startsWith(head)).toBe(true);
    expect(second.text.endsWith(END("corp") + "\r\n" + tail)).toBe(true);
    expect(second.text.replaceAll("\r\n", "")).not.toContain("\n");
    expect(second.added).toEqual(["dev-sandbox.AdministratorAccess", "production.ReadOnly"]);
    expect(second.kept).toEqual(["dev.AdministratorAccess"]);
    const cat = load(second.text);
    // the hand-written sso session with the same sso_session is still there, unchanged
    expect(cat.sessions.get("ci")).toMatchObject({ sso_account_id: "999999999999", sso_role_name: "CI" });
    // pruning everything keeps the outside intact too
    const third = planSync(second.text, "corp", []);
    expect(third.text).toBe(head + BEGIN("corp") + "\r\n" + END("corp") + "\r\n" + tail);
    expect(third.removed).toEqual(["dev.AdministratorAccess", "dev-sandbox.AdministratorAccess", "production.ReadOnly"]);
  });

  test("an end marker on the last line without a newline keeps having none", () => {
    const text = planSync(SSO, "corp", [dev]).text.slice(0, -1);
    const plan = planSync(text, "corp", [dev, prod]);
    expect(plan.text.endsWith(END("corp"))).toBe(true);
    expect(plan.text.startsWith(SSO + "\n" + BEGIN("corp") + "\n")).toBe(true);
  });
});

describe("idempotence", () => {
  test("a second sync with the same assignments writes nothing", () => {
    const first = planSync(SSO, "corp", [prod, dev, sandbox], { region: "eu-west-1" });
    const second = planSync(first.text, "corp", [sandbox, dev, prod], { region: "eu-west-1" });
    expect(second.changed).toBe(false);
    expect(second.text).toBe(first.text);
    expect(second.added).toEqual([]);
    expect(second.removed).toEqual([]);
    expect(second.kept).toEqual(first.added);
  });

  test("idempotent on a CRLF file too", () => {
    const first = planSync(SSO.replaceAll("\n", "\r\n"), "corp", [dev, prod]);
    const second = planSync(first.text, "corp", [dev, prod]);
    expect(second.changed).toBe(false);
    expect(second.text).toBe(first.text);
  });

  test("a sync without --region keeps the regions written before; a new region replaces them", () => {
    const first = planSync(SSO, "corp", [dev], { region: "eu-west-1" });
    expect(planSync(first.text, "corp", [dev]).changed).toBe(false);
    const moved = planSync(first.text, "corp", [dev], { region: "us-east-2" });
    expect(moved.changed).toBe(true);
    expect(moved.kept).toEqual(["dev.AdministratorAccess"]);
    expect(load(moved.text).sessions.get("dev.AdministratorAccess")?.region).toBe("us-east-2");
  });

  test("edits inside the region are replaced", () => {
    const first = planSync(SSO, "corp", [dev]).text;
    const edited = first.replace(`sso_role_name = "AdministratorAccess"`, `sso_role_name = "AdministratorAccess"\nregion = "ap-south-1"\n# my note`);
    const plan = planSync(edited, "corp", [dev], { region: "eu-west-1" });
    expect(plan.text).not.toContain("my note");
    expect(plan.text).not.toContain("ap-south-1");
    expect(plan.text).toContain(`region = "eu-west-1"`);
  });
});

describe("pruning", () => {
  const base = planSync(SSO, "corp", [dev, devRO, prod], { region: "eu-west-1" }).text;

  test("sessions no longer discovered are removed and reported", () => {
    const plan = planSync(base, "corp", [dev]);
    expect(plan.removed).toEqual(["dev.ReadOnly", "production.ReadOnly"]);
    expect(plan.kept).toEqual(["dev.AdministratorAccess"]);
    expect([...load(plan.text).sessions.keys()]).toEqual(["dev.AdministratorAccess"]);
    expect(plan.text).not.toContain("Production");
  });

  test("prune: false keeps them in the region, byte for byte", () => {
    const plan = planSync(base, "corp", [dev], { prune: false });
    expect(plan.removed).toEqual([]);
    expect(plan.stale).toEqual(["dev.ReadOnly", "production.ReadOnly"]);
    expect(plan.kept).toEqual(["dev.AdministratorAccess", "dev.ReadOnly", "production.ReadOnly"]);
    expect(plan.changed).toBe(false);
    expect(plan.text).toBe(base);
  });

  test("prune: false keeps a stale session in sorted place while a new one is added", () => {
    const plan = planSync(base, "corp", [dev, sandbox], { prune: false });
    expect(plan.added).toEqual(["dev-sandbox.AdministratorAccess"]);
    const names = [...load(plan.text).sessions.keys()];
    expect(names).toEqual(["dev.AdministratorAccess", "dev.ReadOnly", "dev-sandbox.AdministratorAccess", "production.ReadOnly"]);
    // the stale production block is the same text as before
    const block = base.slice(base.indexOf("# Production"), base.indexOf(END("corp")));
    expect(plan.text).toContain(block);
  });

  test("hand-written sessions of the same SSO are never pruned or rewritten", () => {
    const hand = `${SSO}\n[session.mine]\ntype = "sso"\nsso_session = "corp"\nsso_account_id = "111111111111"\nsso_role_name = "AdministratorAccess"\n`;
    const first = planSync(hand, "corp", [dev, devRO]);
    expect(first.text.startsWith(hand)).toBe(true);
    const second = planSync(first.text, "corp", []);
    expect(second.text.startsWith(hand)).toBe(true);
    expect(second.removed).toEqual(["dev.ReadOnly"]);
    expect(load(second.text).sessions.has("mine")).toBe(true);
  });

  test("an account/role a session outside the region already covers is skipped and reported", () => {
    // same sso-session, or another sso-session with the same start URL (trailing slash aside)
    const hand = `${SSO}\n[sso-session.twin]\nsso_start_url = "https://corp.awsapps.com/start/"\nsso_region = "eu-west-1"\n\n[session.dev-account]\ntype = "sso"\nsso_session = "corp"\nsso_account_id = "111111111111"\nsso_role_name = "AdministratorAccess"\n\n[session.ro]\ntype = "sso"\nsso_session = "twin"\nsso_account_id = "111111111111"\nsso_role_name = "ReadOnly"\n`;
    const plan = planSync(hand, "corp", [dev, devRO, prod]);
    expect(plan.added).toEqual(["production.ReadOnly"]);
    expect(plan.covered).toEqual([
      { accountId: "111111111111", roleName: "AdministratorAccess", session: "dev-account" },
      { accountId: "111111111111", roleName: "ReadOnly", session: "ro" },
    ]);
    expect(plan.text).not.toContain("dev.AdministratorAccess");
    // another portal's session for the same account/role covers nothing
    const other = `${SSO}\n${OTHER_SSO}\n[session.x]\ntype = "sso"\nsso_session = "other"\nsso_account_id = "111111111111"\nsso_role_name = "AdministratorAccess"\n`;
    expect(planSync(other, "corp", [dev]).added).toEqual(["dev.AdministratorAccess"]);
  });
});

describe("names", () => {
  test("readable scheme: account slug . role", () => {
    expect(sessionName(sandbox)).toBe("dev-sandbox.AdministratorAccess");
    expect(sessionName({ accountId: "444444444444", accountName: "Équipe  Données (prod)", roleName: "Data,Reader" })).toBe("equipe-donnees-prod.Data-Reader");
    // a name that leaves no slug uses the account id
    expect(sessionName({ accountId: "555555555555", accountName: "開発", roleName: "Admin" })).toBe("555555555555.Admin");
    expect(sessionName(sandbox, true)).toBe("dev-sandbox-333333333333.AdministratorAccess");
    expect(sessionName(sandbox, true, 3)).toBe("dev-sandbox-333333333333.AdministratorAccess-3");
  });

  test("very long names stay valid (≤ 64 characters) and are accepted by the catalog", () => {
    const long: Assignment = { accountId: "666666666666", accountName: "A".repeat(80), roleName: "R".repeat(32) };
    for (const n of [sessionName(long), sessionName(long, true), sessionName(long, true, 12)]) {
      expect(n.length).toBeLessThanOrEqual(64);
      expect(n).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.+@=-]{0,63}$/);
    }
    expect(sessionName(long, true)).toContain("666666666666");
    const plan = planSync(SSO, "corp", [long, { ...long, accountId: "777777777777" }]);
    expect(load(plan.text).sessions.size).toBe(2);
  });

  test("two accounts with the same name: every session of both carries its account id, whatever its role", () => {
    const a1: Assignment = { accountId: "111111111111", accountName: "prod", roleName: "Deploy" };
    const a2: Assignment = { accountId: "111111111111", accountName: "prod", roleName: "ReadOnlyAccess" };
    const b: Assignment = { accountId: "222222222222", accountName: "Prod", roleName: "ReadOnlyAccess" };
    const plan = planSync(SSO, "corp", [a1, a2, b]);
    expect([...plan.added].sort()).toEqual(["prod-111111111111.Deploy", "prod-111111111111.ReadOnlyAccess", "prod-222222222222.ReadOnlyAccess"]);
  });

  test("two accounts with the same name: both carry their account id", () => {
    const a: Assignment = { accountId: "111111111111", accountName: "dev", roleName: "Admin" };
    const b: Assignment = { accountId: "222222222222", accountName: "dev", roleName: "Admin" };
    const plan = planSync(SSO, "corp", [b, a]);
    expect(plan.added).toEqual(["dev-111111111111.Admin", "dev-222222222222.Admin"]);
    expect(load(plan.text).sessions.size).toBe(2);
  });

  test("a hand-written session with the derived name is never overwritten", () => {
    const hand = `${SSO}\n# mine\n[session."dev.AdministratorAccess"]\ntype = "iam-user"\n`;
    const plan = planSync(hand, "corp", [dev]);
    expect(plan.added).toEqual(["dev-111111111111.AdministratorAccess"]);
    expect(plan.text.startsWith(hand)).toBe(true);
    expect(load(plan.text).sessions.get("dev.AdministratorAccess")?.type).toBe("iam-user");
  });

  test("hand-written names are also seen through dotted keys and case-insensitively", () => {
    const dotted = `${SSO}\n[session]\n"dev.AdministratorAccess".type = "iam-user"\n`;
    expect(planSync(dotted, "corp", [dev]).added).toEqual(["dev-111111111111.AdministratorAccess"]);
    const upper = `${SSO}\n[session."Dev.AdministratorAccess"]\ntype = "iam-user"\n`;
    expect(planSync(upper, "corp", [dev]).added).toEqual(["dev-111111111111.AdministratorAccess"]);
  });

  test("when the id-qualified name is taken too: -2, -3", () => {
    const hand =
      `${SSO}\n[session."dev.AdministratorAccess"]\ntype = "iam-user"\n` +
      `\n[session."dev-111111111111.AdministratorAccess"]\ntype = "iam-user"\n` +
      `\n[session."dev-111111111111.AdministratorAccess-2"]\ntype = "iam-user"\n`;
    const plan = planSync(hand, "corp", [dev]);
    expect(plan.added).toEqual(["dev-111111111111.AdministratorAccess-3"]);
    expect(load(plan.text).sessions.size).toBe(4);
  });

  test("names are stable across syncs when assignments are added", () => {
    const a: Assignment = { accountId: "111111111111", accountName: "dev", roleName: "Admin" };
    const first = planSync(SSO, "corp", [a, prod]);
    expect(first.added).toEqual(["dev.Admin", "production.ReadOnly"]);
    // a second account named "dev" appears, and one sorting before everything else
    const b: Assignment = { accountId: "222222222222", accountName: "dev", roleName: "Admin" };
    const c: Assignment = { accountId: "888888888888", accountName: "audit", roleName: "Admin" };
    const second = planSync(first.text, "corp", [c, b, a, prod]);
    expect(second.kept).toEqual(["dev.Admin", "production.ReadOnly"]);
    expect(second.added).toEqual(["audit.Admin", "dev-222222222222.Admin"]);
    expect(second.renamed).toEqual([]);
    const s = load(second.text).sessions.get("dev.Admin");
    expect(s?.type === "sso" ? s.sso_account_id : undefined).toBe("111111111111");
    // and once more: nothing moves
    expect(planSync(second.text, "corp", [a, b, c, prod]).changed).toBe(false);
  });

  test("an account renamed in Identity Center keeps its session name; the comment follows", () => {
    const first = planSync(SSO, "corp", [prod]);
    const plan = planSync(first.text, "corp", [{ ...prod, accountName: "Prod (EU)" }]);
    expect(plan.kept).toEqual(["production.ReadOnly"]);
    expect(plan.added).toEqual([]);
    expect(plan.text).toContain("# Prod (EU) (222222222222)\n[session.\"production.ReadOnly\"]");
  });

  test("the same input gives the same names, whatever the order of assignments", () => {
    const list = [dev, devRO, prod, sandbox, { ...dev, accountId: "999999999999" }];
    const one = planSync(SSO, "corp", list).text;
    const two = planSync(SSO, "corp", [...list].reverse()).text;
    expect(two).toBe(one);
  });
});

describe("several SSOs", () => {
  test("two regions coexist; syncing one never touches the other", () => {
    const cat = SSO + "\n" + OTHER_SSO;
    const corp1 = planSync(cat, "corp", [dev, prod]).text;
    // the other SSO reaches an account also called dev: its name must not clash with corp's
    const other = planSync(corp1, "other", [{ accountId: "121212121212", accountName: "dev", roleName: "AdministratorAccess" }], { region: "us-east-1" });
    expect(other.added).toEqual(["dev-121212121212.AdministratorAccess"]);
    expect(other.text.startsWith(corp1)).toBe(true);
    const otherRegion = regionOf(other.text, "other");
    // corp changes a lot; other's region stays byte for byte, and its session is not pruned
    const corp2 = planSync(other.text, "corp", [sandbox]);
    expect(corp2.removed).toEqual(["dev.AdministratorAccess", "production.ReadOnly"]);
    expect(regionOf(corp2.text, "other")).toBe(otherRegion);
    const loaded = load(corp2.text);
    expect([...loaded.sessions.keys()].sort()).toEqual(["dev-121212121212.AdministratorAccess", "dev-sandbox.AdministratorAccess"]);
    // and syncing other with nothing discovered leaves corp's region alone
    const other2 = planSync(corp2.text, "other", []);
    expect(regionOf(other2.text, "corp")).toBe(regionOf(corp2.text, "corp"));
    expect(other2.removed).toEqual(["dev-121212121212.AdministratorAccess"]);
  });
});

describe("refusals", () => {
  function refusal(text: string): CatalogError {
    try {
      planSync(text, "corp", [dev], { file: "/cat.toml" });
    } catch (e) {
      if (e instanceof CatalogError) return e;
      throw e;
    }
    throw new Error("accepted");
  }

  test("a region with no end line", () => {
    const e = refusal(`${SSO}\n${BEGIN("corp")}\n[session.x]\ntype = "iam-user"\n`);
    expect(e.message).toContain("/cat.toml:5:1");
    expect(e.message).toContain("no end line");
  });

  test("two regions for the same SSO, or an end without a start", () => {
    const one = planSync(SSO, "corp", [dev]).text;
    expect(refusal(one + "\n" + BEGIN("corp") + "\n" + END("corp") + "\n").message).toContain("second");
    expect(refusal(`${SSO}${END("corp")}\n`).message).toContain("without its start");
  });

  test("a key line right after the region, which TOML would put into a generated table", () => {
    const one = planSync(SSO, "corp", [dev]).text;
    const e = refusal(one + "\n# note\nregion = \"eu-west-1\"\n");
    expect(e.message).toContain("/cat.toml:" + (one.split("\n").length + 2) + ":1");
  });

  test("account ids that are not 12 digits", () => {
    expect(() => planSync(SSO, "corp", [{ accountId: "123", accountName: "x", roleName: "y" }])).toThrow(/12-digit/);
  });
});

describe("diffText", () => {
  test("equal texts give nothing", () => {
    expect(diffText("a\nb\n", "a\nb\n")).toBe("");
  });

  test("a small change: headers, one hunk with two lines of context", () => {
    const before = ["l1", "l2", "l3", "l4", "l5", "l6", "l7", ""].join("\n");
    const after = ["l1", "l2", "l3", "L4", "l5", "l6", "l7", ""].join("\n");
    expect(diffText(before, after)).toBe(["--- before", "+++ after", "@@ -2,5 +2,5 @@", " l2", " l3", "-l4", "+L4", " l5", " l6", ""].join("\n"));
  });

  test("distant changes get separate hunks; insertions into an empty file", () => {
    const before = ["a", "b", "c", "d", "e", "f", "g", "h", "i", ""].join("\n");
    const after = ["a", "B", "c", "d", "e", "f", "g", "h", "i", "j", ""].join("\n");
    expect(diffText(before, after)).toBe(
      ["--- before", "+++ after", "@@ -1,4 +1,4 @@", " a", "-b", "+B", " c", " d", "@@ -8,2 +8,3 @@", " h", " i", "+j", ""].join("\n"),
    );
    expect(diffText("", "x\n")).toBe("--- before\n+++ after\n@@ -0,0 +1,1 @@\n+x\n");
  });

  test("a sync previewed: the added session shows as added lines, CRLF shown without carriage returns", () => {
    const first = planSync(SSO.replaceAll("\n", "\r\n"), "corp", [dev]).text;
    const second = planSync(first, "corp", [dev, prod]).text;
    const d = diffText(first, second);
    expect(d).not.toContain("\r");
    expect(d).toContain(`+[session."production.ReadOnly"]\n`);
    expect(d.split("\n").filter((l) => l.startsWith("-") && !l.startsWith("---"))).toEqual([]);
    expect(d.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++")).length).toBe(7); // blank, comment, header, 4 keys
  });

  test("a missing final newline is marked", () => {
    expect(diffText("a\nb", "a\nc")).toBe("--- before\n+++ after\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n");
  });
});
