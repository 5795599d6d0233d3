import { expect, test } from "bun:test";
import { mapBounded } from "../../../src/runtime/map-bounded.ts";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("results come in the items' order, with never more than the limit in flight", async () => {
  let active = 0;
  let most = 0;
  const out = await mapBounded([5, 1, 4, 2, 3, 0, 6, 2], 3, async (n) => {
    most = Math.max(most, ++active);
    await tick(n);
    active--;
    return n * 10;
  });
  expect(out).toEqual([50, 10, 40, 20, 30, 0, 60, 20]);
  expect(most).toBe(3);
});

test("the first failure rejects, and no new call starts after it", async () => {
  const started: number[] = [];
  const p = mapBounded([1, 2, 3, 4, 5, 6], 2, async (n) => {
    started.push(n);
    await tick(1);
    if (n === 2) throw new Error("two failed");
    return n;
  });
  await expect(p).rejects.toThrow("two failed");
  await tick(20);
  expect(started.length).toBeLessThanOrEqual(3);
});

test("an empty list, and a limit above the number of items", async () => {
  expect(await mapBounded([], 4, async (n: number) => n)).toEqual([]);
  expect(await mapBounded([1, 2], 10, async (n) => n + 1)).toEqual([2, 3]);
});
