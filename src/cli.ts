// Command names, flags and help (cac). Each action imports its command module only when it runs.
import { cac } from "cac";
import { UsageError, SesameError } from "./errors.ts";
import { VERSION } from "./version.ts";

export async function runCli(argv: string[]): Promise<number> {
  const cli = cac("sesame");
  let status = 0;
  let pending: Promise<number | void> | undefined;
  const run = (p: () => Promise<number | void>) => () => {
    pending = p();
  };

  cli.option("--config <path>", "session catalog (default: $SESAME_CONFIG or ~/.config/sesame/sessions.toml)");
  cli.option("--verbose", "more detail on errors (secrets are never shown)");

  cli
    .command("credential-process <name>", "print credentials for NAME in the credential_process format")
    .option("--no-cache", "fetch new credentials even if cached ones are fresh")
    .action(run(async () => {
      const { credentialProcess } = await import("./commands/credential-process.ts");
      await credentialProcess(argv.slice(argv.indexOf("credential-process") + 1));
    }));

  cli
    .command("list", "every session: type, account, role, region and state")
    .option("--json", "machine-readable output")
    .action(run(async () => (await import("./commands/list.ts")).list(cli.options as { config?: string; json?: boolean })));

  cli
    .command("secret <action> <name>", "store (set) or remove (delete) the access key of iam-user session NAME")
    .action(run(async () => {
      const [action, name] = cli.args as string[];
      const m = await import("./commands/secret.ts");
      if (action === "set") return m.secretSet(name!, cli.options as { config?: string });
      if (action === "delete") return m.secretDelete(name!, cli.options as { config?: string });
      throw new UsageError(`unknown secret action "${action}"`, "use: sesame secret set NAME, or sesame secret delete NAME");
    }));

  cli
    .command("cache <action>", "cache clear: forget every cached credential")
    .action(run(async () => {
      const [action] = cli.args as string[];
      if (action !== "clear") throw new UsageError(`unknown cache action "${action}"`, "use: sesame cache clear");
      return (await import("./commands/cache.ts")).cacheClear();
    }));

  cli.help();
  cli.version(VERSION);

  try {
    cli.parse(["sesame", "sesame", ...argv], { run: false });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/`/g, ""), "run: sesame --help");
  }
  if (cli.options.help || cli.options.version) return 0;
  if (!cli.matchedCommand) {
    if (cli.args.length === 0) {
      cli.outputHelp();
      return 0;
    }
    throw new UsageError(`unknown command "${cli.args[0]}"`, "run: sesame --help");
  }
  try {
    cli.runMatchedCommand();
  } catch (e) {
    if (e instanceof SesameError) throw e;
    throw new UsageError((e as Error).message.replace(/`/g, ""), "run: sesame --help");
  }
  const r = await pending;
  if (typeof r === "number") status = r;
  return status;
}
