// The default RoleSessionName: "sesame-" + the local user name, cleaned to STS's character set
// ([\w+=,.@-], 2–64 characters), so CloudTrail shows who assumed the role. Never empty.

export function defaultRoleSessionName(env: Record<string, string | undefined> = process.env): string {
  let user = env.USER || env.LOGNAME || env.USERNAME || "";
  if (!user) {
    try {
      // node:os only when no variable names the user (it costs start-up time on the warm path)
      const os = process.getBuiltinModule?.("node:os") as typeof import("node:os") | undefined;
      user = os?.userInfo().username ?? "";
    } catch {
      user = "";
    }
  }
  return cleanSessionName(user);
}

export function cleanSessionName(user: string): string {
  const cleaned = user.replace(/[^\w+=,.@-]/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "");
  return cleaned ? `sesame-${cleaned}`.slice(0, 64) : "sesame";
}
