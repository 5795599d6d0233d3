// `sesame list`'s "cached until …" (src/commands/list.ts: clock()), in local time.
import { expect, test } from "bun:test";
import { clock } from "../../../src/commands/list.ts";

test("the time alone today; month, day and time on another day (also across a year end)", () => {
  const now = new Date(2026, 10, 26, 13, 0).getTime();
  expect(clock(new Date(2026, 10, 26, 14, 5), now)).toBe("14:05");
  expect(clock(new Date(2026, 10, 26, 0, 0), now)).toBe("00:00");
  expect(clock(new Date(2026, 10, 27, 2, 10), now)).toBe("Nov 27 02:10");
  expect(clock(new Date(2027, 0, 1, 9, 7), new Date(2026, 11, 31, 23, 0).getTime())).toBe("Jan 1 09:07");
  expect(clock(new Date(2027, 10, 26, 14, 5), now)).toBe("Nov 26 14:05"); // same day and month, next year
});
