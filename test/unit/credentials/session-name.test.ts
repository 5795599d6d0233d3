// The passwd lookup behind the default session name.
import { describe, expect, test } from "bun:test";
import { userInPasswd } from "../../../src/credentials/session-name.ts";

describe("userInPasswd", () => {
  const passwd = "# comment\nroot:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:10000:10000::/home/bob:/bin/sh\n";
  test("the entry of that uid, not a prefix match", () => {
    expect(userInPasswd(passwd, 1000)).toBe("alice");
    expect(userInPasswd(passwd, 10000)).toBe("bob");
    expect(userInPasswd(passwd, 0)).toBe("root");
    expect(userInPasswd(passwd, 100)).toBeUndefined();
  });
});
