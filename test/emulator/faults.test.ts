import { describe, expect, test } from "bun:test";
import { FaultQueue } from "./faults.ts";

describe("FaultQueue", () => {
  test("applies a fault to exactly the next N matching calls", () => {
    const q = new FaultQueue();
    q.throttle("AssumeRole", 2);
    expect(q.take("sts", "GetCallerIdentity")).toBeUndefined();
    expect(q.take("sts", "AssumeRole")?.error?.code).toBe("Throttling");
    expect(q.take("sts", "AssumeRole")?.error).toEqual({ code: "Throttling", message: "Rate exceeded", status: 400, type: "Sender" });
    expect(q.take("sts", "AssumeRole")).toBeUndefined();
  });

  test("is first-in first-out across kinds, and '*' matches any operation of its service only", () => {
    const q = new FaultQueue();
    q.delay("*", 5);
    q.serverError("*", 1, "ServiceUnavailable");
    expect(q.take("sso", "GetRoleCredentials")).toBeUndefined();
    expect(q.take("sts", "GetSessionToken")).toEqual({ delayMs: 5 });
    expect(q.take("sts", "AssumeRole")?.error).toEqual({
      code: "ServiceUnavailable",
      message: "Service is unavailable",
      status: 503,
      type: "Receiver",
    });
    expect(q.list()).toEqual([]);
  });

  test("5xx errors are Receiver faults, custom ones keep their code and status", () => {
    const q = new FaultQueue();
    q.serverError("GetCallerIdentity");
    q.error("GetCallerIdentity", "RegionDisabledException", "disabled", 403);
    expect(q.take("sts", "GetCallerIdentity")?.error).toMatchObject({ code: "InternalFailure", status: 500, type: "Receiver" });
    expect(q.take("sts", "GetCallerIdentity")?.error).toEqual({ code: "RegionDisabledException", message: "disabled", status: 403, type: "Sender" });
  });

  test("rejects faults that would do nothing", () => {
    const q = new FaultQueue();
    expect(() => q.add({ action: "AssumeRole" })).toThrow("a fault needs delayMs, error or hugeBodyBytes");
    expect(() => q.throttle("AssumeRole", 0)).toThrow("fault count must be a positive integer");
  });
});
