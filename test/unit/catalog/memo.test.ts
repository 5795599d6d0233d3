// The memo of big catalogs (src/catalog/memo.ts): used only for the exact text, path and version it was
// made from; anything else is a full parse that replaces it.
import { beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { catalogFromText } from "../../../src/catalog/catalog.ts";
import { catalogFromTextMemo } from "../../../src/catalog/memo.ts";
import { CatalogError } from "../../../src/errors.ts";

function bigCatalog(roleSuffix = "", n = 200): string {
  const out = ['[defaults]', 'region = "eu-west-1"', "", "[session.alice]", 'type = "iam-user"', ""];
  for (let i = 0; i < n; i++) {
    out.push(`[session.role-${i}]`, 'type = "assume-role"', 'source = "alice"', `role_arn = "arn:aws:iam::${String(200000000000 + i)}:role/R${i}${roleSuffix}"`);
    if (i % 3 === 0) out.push(`external_id = "ext-${i}"`);
    out.push("");
  }
  return out.join("\n");
}

let state: string;
const FILE = "/home/u/.config/sesame/sessions.toml";
const memoDir = () => join(state, "catalogs");
const memoFiles = () => (existsSync(memoDir()) ? readdirSync(memoDir()) : []);

beforeEach(() => {
  state = mkdtempSync(join(process.env.TMPDIR!, "memo-"));
});

describe("catalog memo", () => {
  test("a big catalog is memoised, 0600 in a 0700 folder, and read back equal to a parse", async () => {
    const text = bigCatalog();
    const first = await catalogFromTextMemo(FILE, text, state);
    expect(memoFiles()).toHaveLength(1);
    expect(statSync(memoDir()).mode & 0o777).toBe(0o700);
    expect(statSync(join(memoDir(), memoFiles()[0]!)).mode & 0o777).toBe(0o600);
    const second = await catalogFromTextMemo(FILE, text, state);
    const parsed = catalogFromText(FILE, text);
    expect(second).toEqual(parsed);
    expect(first).toEqual(parsed);
    expect(second.sessions.get("role-3")).toEqual(parsed.sessions.get("role-3")!);
  });

  test("the memo is what is used while the text is the same (proved by planting a change in it)", async () => {
    const text = bigCatalog();
    await catalogFromTextMemo(FILE, text, state);
    const path = join(memoDir(), memoFiles()[0]!);
    writeFileSync(path, readFileSync(path, "utf8").replace("role/R7", "role/PLANTED"));
    expect(((await catalogFromTextMemo(FILE, text, state)).sessions.get("role-7") as { role_arn: string }).role_arn).toEndWith("role/PLANTED");
  });

  test("an edited catalog is parsed again and its memo replaced: never the old sessions", async () => {
    await catalogFromTextMemo(FILE, bigCatalog(), state);
    const edited = await catalogFromTextMemo(FILE, bigCatalog("-v2"), state);
    expect((edited.sessions.get("role-7") as { role_arn: string }).role_arn).toEndWith("role/R7-v2");
    expect(memoFiles()).toHaveLength(1);
    const again = await catalogFromTextMemo(FILE, bigCatalog("-v2"), state);
    expect((again.sessions.get("role-7") as { role_arn: string }).role_arn).toEndWith("role/R7-v2");
  });

  test("the same text at another path has its own memo", async () => {
    await catalogFromTextMemo(FILE, bigCatalog(), state);
    const other = await catalogFromTextMemo("/elsewhere/sessions.toml", bigCatalog(), state);
    expect(other.file).toBe("/elsewhere/sessions.toml");
    expect(memoFiles()).toHaveLength(2);
  });

  test("a damaged memo, or a folder in its place, is a parse", async () => {
    const text = bigCatalog();
    await catalogFromTextMemo(FILE, text, state);
    const path = join(memoDir(), memoFiles()[0]!);
    for (const junk of ["", "{", "null", '{"format":"sesame-catalog-memo/1"}', "\u0000\u0001"]) {
      writeFileSync(path, junk);
      expect(await catalogFromTextMemo(FILE, text, state)).toEqual(catalogFromText(FILE, text));
    }
    const dir = mkdtempSync(join(process.env.TMPDIR!, "memo-dir-"));
    mkdirSync(join(dir, "catalogs", memoFiles()[0]!), { recursive: true });
    expect(await catalogFromTextMemo(FILE, text, dir)).toEqual(catalogFromText(FILE, text));
  });

  test("small catalogs are memoised too (the parser is not even loaded then); refused catalogs never are", async () => {
    const small = '[session.alice]\ntype = "iam-user"\n';
    const first = await catalogFromTextMemo(FILE, small, state);
    expect(memoFiles()).toHaveLength(1);
    expect(await catalogFromTextMemo(FILE, small, state)).toEqual(first);
    expect(first).toEqual(catalogFromText(FILE, small));
    rmSync(memoDir(), { recursive: true });
    const broken = bigCatalog() + '\n[session.bad]\ntype = "assume-role"\nsource = "nobody"\nrole_arn = "arn:aws:iam::111111111111:role/X"\n';
    await expect(catalogFromTextMemo(FILE, broken, state)).rejects.toBeInstanceOf(CatalogError);
    expect(memoFiles()).toHaveLength(0);
  });

  test("a state folder that cannot be written only costs a parse", async () => {
    const file = join(state, "not-a-folder");
    writeFileSync(file, "");
    const cat = await catalogFromTextMemo(FILE, bigCatalog(), file);
    expect(cat.sessions.size).toBe(201);
  });
});

describe("catalog memo against the parser, over many edits", () => {
  test("after each of 300 random edits of a big catalog, the memo gives exactly what a parse gives (or the same refusal)", async () => {
    let seed = 0x5e5a3e;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces = ["R1", "ext-9", '"', "\n", "[session.x]", "type = \"iam-user\"", "0", "role", "=", " ", "source = \"alice\"", "#"];
    let text = bigCatalog();
    let valid = 0;
    for (let i = 0; i < 300; i++) {
      // an edit: insert, delete or replace a few characters somewhere (half of them undone again, so that
      // texts recur and a memo made for an earlier text is met again)
      const at = rand(text.length);
      const previous = text;
      const op = rand(3);
      if (op === 0) text = text.slice(0, at) + pieces[rand(pieces.length)] + text.slice(at);
      else if (op === 1) text = text.slice(0, at) + text.slice(at + 1 + rand(4));
      else text = text.slice(0, at) + pieces[rand(pieces.length)] + text.slice(at + 1 + rand(3));
      const expected = outcome(() => catalogFromText(FILE, text));
      const got: { ok: unknown } | { err: string } = await catalogFromTextMemo(FILE, text, state).then((c) => ({ ok: c }), (e: unknown) => ({ err: (e as CatalogError).message }));
      expect(got).toEqual(expected);
      if ("ok" in expected) valid++;
      if (rand(2) === 0 || !("ok" in expected)) text = previous;
    }
    // both kinds met, many times (the seed is fixed: 36 valid, 264 refused)
    expect(valid).toBeGreaterThan(20);
    expect(300 - valid).toBeGreaterThan(20);
  });
});

function outcome(f: () => unknown): { ok: unknown } | { err: string } {
  try {
    return { ok: f() };
  } catch (e) {
    return { err: (e as CatalogError).message };
  }
}
