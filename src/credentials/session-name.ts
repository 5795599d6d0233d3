// The default RoleSessionName: "sesame-" + the local user name, cleaned to STS's character set
// ([\w+=,.@-], 2–64 characters), so CloudTrail shows who assumed the role. Never empty.
// Without USER/LOGNAME/USERNAME (cron, containers) the name comes from the user database by uid
// (/etc/passwd), as Deno's os.userInfo does: Bun's says "unknown" in some sandboxes, and the compiled
// binary and `deno run src/main.ts` must name the same user.
import type { Env } from "../types.ts";

/** validate.ts's NOT_STS_NAME_CHAR, copied so that the warm path does not load the validator
 *  (test/unit/hot-path.test.ts keeps the two equal). */
export const NOT_STS_NAME_CHAR = /[^\w+=,.@-]/g;

let osUser: string | undefined;
let last: { user: string; name: string } | undefined;

export function defaultRoleSessionName(env: Env = process.env): string {
  let user = env.USER || env.LOGNAME || env.USERNAME || "";
  if (!user) {
    osUser ??= userFromSystem();
    user = osUser;
  }
  // remembered: `list` asks once per hop of hundreds of sessions
  if (last?.user !== user) last = { user, name: cleanSessionName(user) };
  return last.name;
}

/** The login name of this process's uid; node: modules only here (they cost start-up time on the warm path). */
function userFromSystem(): string {
  const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
  if (uid !== undefined) {
    try {
      const fs = process.getBuiltinModule?.("node:fs") as typeof import("node:fs") | undefined;
      const name = fs ? userInPasswd(fs.readFileSync("/etc/passwd", "utf8"), uid) : undefined;
      if (name) return name;
    } catch { /* no /etc/passwd: ask the runtime */ }
  }
  try {
    const os = process.getBuiltinModule?.("node:os") as typeof import("node:os") | undefined;
    const name = os?.userInfo().username ?? "";
    if (name && name !== "unknown") return name;
  } catch { /* no user database entry */ }
  return uid !== undefined ? `uid${uid}` : "";
}

/** The name of the first /etc/passwd entry with this uid. */
export function userInPasswd(passwd: string, uid: number): string | undefined {
  for (const line of passwd.split("\n")) {
    if (line.startsWith("#")) continue;
    const f = line.split(":");
    if (f.length >= 3 && f[2] === String(uid) && f[0]) return f[0];
  }
  return undefined;
}

export function cleanSessionName(user: string): string {
  const cleaned = user.replace(NOT_STS_NAME_CHAR, "-").replace(/-+/g, "-").replace(/^-|-$/g, "");
  return cleaned ? `sesame-${cleaned}`.slice(0, 64) : "sesame";
}
