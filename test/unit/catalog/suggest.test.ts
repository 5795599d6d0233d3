// "Did you mean": the nearest names to a typo.
import { describe, expect, test } from "bun:test";
import { closest, nearest } from "../../../src/catalog/suggest.ts";

describe("did you mean", () => {
  test("a typo finds its name; a stranger finds none", () => {
    expect(closest("lst", ["list", "login", "logout"])).toBe("list");
    expect(closest("prd", ["alice", "dev", "prod"])).toBe("prod");
    expect(closest("zzzzzzzz", ["alice", "dev", "prod"])).toBeUndefined();
  });
  test("nearest: the n closest, nearest first", () => {
    expect(nearest("team-b", ["zeta", "team-a", "team-bb", "alpha"], 2)).toEqual(["team-a", "team-bb"]);
  });
});
