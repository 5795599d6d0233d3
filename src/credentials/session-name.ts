// The default RoleSessionName: "sesame-" + the local user name, cleaned to STS's character set
// ([\w+=,.@-], 2–64 characters), so CloudTrail shows who assumed the role. Never empty.

let osUser: string | undefined;
let last: { user: string; name: string } | undefined;

export function defaultRoleSessionName(env: Record<string, string | undefined> = process.env): string {
  let user = env.USER || env.LOGNAME || env.USERNAME || "";
  if (!user) {
    if (osUser === undefined) {
      try {
        // node:os only when no variable names the user (it costs start-up time on the warm path)
        const os = process.getBuiltinModule?.("node:os") as typeof import("node:os") | undefined;
        osUser = os?.userInfo().username ?? "";
      } catch {
        osUser = "";
      }
    }
    user = osUser;
  }
  // remembered: `list` asks once per hop of hundreds of sessions
  if (last?.user !== user) last = { user, name: cleanSessionName(user) };
  return last.name;
}

export function cleanSessionName(user: string): string {
  const cleaned = user.replace(/[^\w+=,.@-]/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "");
  return cleaned ? `sesame-${cleaned}`.slice(0, 64) : "sesame";
}
