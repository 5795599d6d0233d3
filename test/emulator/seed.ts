// Seed files preload a runnable emulator (main.ts --seed) or startEmulator({ seed }) with users, roles and MFA
// devices, so a demo or shell script can rely on fixed names (and, if given, fixed keys).
import type { LoginConfig } from "./signin-oauth-state.ts";
import type { SsoAccountInput, SsoConfig } from "./sso-state.ts";
import type { EmulatorState, RoleInput, UserInput } from "./state.ts";

export interface Seed {
  users?: UserInput[];
  roles?: RoleInput[];
  mfaDevices?: { serial: string; code?: string }[];
  /** See EmulatorState.credentialLifetimeOverride. */
  credentialLifetimeSeconds?: number;
  /** IAM Identity Center: accounts assigned to the user, and the settings of POST /_emulator/sso/config. */
  sso?: SsoConfig & { accounts?: SsoAccountInput[] };
  /** AWS Sign-In OAuth (`aws login`): the settings of POST /_emulator/signin/config. */
  signin?: LoginConfig;
}

export interface SeededUser {
  userName: string;
  account: string;
  arn: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export function applySeed(state: EmulatorState, seed: Seed): SeededUser[] {
  const users = (seed.users ?? []).map((u) => {
    const key = state.addUser(u);
    return {
      userName: key.user.userName,
      account: key.user.account,
      arn: key.arn,
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
    };
  });
  for (const role of seed.roles ?? []) state.addRole(role);
  for (const device of seed.mfaDevices ?? []) state.addMfaDevice(device.serial, device.code);
  if (seed.credentialLifetimeSeconds !== undefined) state.credentialLifetimeOverride = seed.credentialLifetimeSeconds;
  if (seed.sso) {
    const { accounts, ...config } = seed.sso;
    state.sso.configure(config);
    for (const account of accounts ?? []) state.sso.addAccount(account);
  }
  if (seed.signin) state.signin.configure(seed.signin);
  return users;
}
