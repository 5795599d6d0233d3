// Errors carry their hop and position as fields; the printed text is made from them, and callers decide by code.
import { expect, test } from "bun:test";
import { CatalogError, catalogMissing, EXIT, NeedsInput, SesameError } from "../../src/errors.ts";

test("the hop is a field, set once by the innermost hop, and shown once before the text", () => {
  const e = new SesameError("aws", "STS AssumeRole refused: AccessDenied", EXIT.awsRefused);
  expect(e.message).toBe("STS AssumeRole refused: AccessDenied");
  e.at("dev").at("prod");
  expect(e.hop).toBe("dev");
  expect(e.what).toBe("STS AssumeRole refused: AccessDenied");
  expect(e.message).toBe(`session "dev": STS AssumeRole refused: AccessDenied`);
  expect(e.toLine()).toBe(`sesame: session "dev": STS AssumeRole refused: AccessDenied`);
});

test("an error whose text names its session is not prefixed a second time", () => {
  const e = new NeedsInput("mfa.no-terminal", `session "alice" needs an MFA code`).at("alice", true).at("prod");
  expect(e.hop).toBe("alice");
  expect(e.message).toBe(`session "alice" needs an MFA code`);
});

test("a catalog error keeps file and position apart from its words", () => {
  const e = new CatalogError("/c.toml", { line: 3, col: 5 }, "unknown key", "remove it");
  expect(e.message).toBe("/c.toml:3:5: unknown key");
  expect(e.what).toBe("unknown key");
  expect([e.file, e.pos, e.code, e.exit]).toEqual(["/c.toml", { line: 3, col: 5 }, "catalog", EXIT.catalog]);
});

test("a missing catalog is told apart by its code, not its text", () => {
  const e = catalogMissing("/nowhere.toml", "create it");
  expect(e).toBeInstanceOf(CatalogError);
  expect(e.code).toBe("catalog.missing");
  expect(e.exit).toBe(EXIT.catalog);
  expect(e.message).toBe("/nowhere.toml: no catalog here");
});

test("every exit status has a name", () => {
  expect(EXIT).toMatchObject({ ok: 0, problems: 1, usage: 2, catalog: 3, needsLogin: 4, awsRefused: 5, keyring: 6, busy: 7, internal: 70, cannotRun: 126, notFound: 127, interrupted: 130, closedPipe: 141 });
});
