// `sesame list` shows time left, not a clock time (src/commands/list.ts: left()).
import { expect, test } from "bun:test";
import { left } from "../../src/commands/list.ts";

test("minutes, then hours and minutes, then days and hours; rounded down; never negative", () => {
  const m = 60_000;
  expect(left(59_999)).toBe("0m");
  expect(left(42 * m + 59_000)).toBe("42m");
  expect(left(60 * m)).toBe("1h 00m");
  expect(left(3 * 60 * m + 5 * m)).toBe("3h 05m");
  expect(left(24 * 60 * m - 1)).toBe("23h 59m");
  expect(left(35 * 60 * m)).toBe("1d 11h");
  expect(left(-5 * m)).toBe("0m");
});
