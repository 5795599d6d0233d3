// bun test preload (bunfig.toml): runs before any test file imports src/, so no test ever reads or
// writes the developer's real configuration, cache, keyring file or AWS credentials.
import { afterAll } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const home = mkdtempSync(join(tmpdir(), "sesame-test-home-"));

for (const name of Object.keys(process.env)) {
  // Every AWS_* variable (credentials, profile, config files, endpoints, region) and every
  // SESAME_* variable. DBUS_SESSION_BUS_ADDRESS stays: the OS-keyring tests need the bus.
  if (name.startsWith("AWS_") || name.startsWith("SESAME_")) delete process.env[name];
}

process.env.HOME = home;
process.env.USERPROFILE = home;
process.env.XDG_CONFIG_HOME = join(home, ".config");
process.env.XDG_CACHE_HOME = join(home, ".cache");
process.env.XDG_DATA_HOME = join(home, ".local", "share");
process.env.XDG_STATE_HOME = join(home, ".local", "state");
// Temporary folders made by tests (and by the processes they start) go under the same folder,
// which is removed at the end of the run.
process.env.TMPDIR = join(home, "tmp");
mkdirSync(process.env.TMPDIR, { mode: 0o700 });
// Secrets written by tests live under a service name nobody else uses.
process.env.SESAME_KEYRING_SERVICE = `sesame-test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

// In a preload, afterAll runs once after the whole run (bun test fires no process "exit" event).
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});
