import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordRenewalFailure, renewalBackoffMs, renewalHeldUntil } from "../../../src/store/renewal-state.ts";

test("a failing background renewal waits 15 s, 30 s, 1 min … at most 5 minutes", () => {
  expect([1, 2, 3, 4, 5, 6, 50].map(renewalBackoffMs)).toEqual([15_000, 30_000, 60_000, 120_000, 240_000, 300_000, 300_000]);
});

test("held until the last failure plus its wait; nothing held without a failure or with a damaged record", () => {
  const dir = mkdtempSync(join(tmpdir(), "sesame-renewal-"));
  expect(renewalHeldUntil(dir, "dev")).toBeUndefined();
  const at = "2026-12-06T10:00:00.000Z";
  recordRenewalFailure(dir, "dev", { at, code: "aws", message: "no", count: 3 });
  expect(renewalHeldUntil(dir, "dev")).toBe(Date.parse(at) + 60_000);
  recordRenewalFailure(dir, "dev", { at: "not a time", code: "aws", message: "no" });
  expect(renewalHeldUntil(dir, "dev")).toBeUndefined();
});
