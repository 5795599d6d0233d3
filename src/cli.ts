// Command names, flags and help (cac). Each action imports its command module only when it runs.
import { cac } from "cac";
import { UsageError, SesameError } from "./errors.ts";
import { fixFor } from "./catalog/suggest.ts";
import { VERSION, versionLine } from "./version.ts";

const GLOBAL_FLAGS = new Set(["--config", "--verbose", "--help", "-h", "--version", "-v"]);

export async function runCli(argv: string[]): Promise<number> {
  // --- sesame curl (issue 15): it takes curl's own flags (-X, -H, -d @-, -sSf …), which cac would take
  // apart, so it gets its words exactly as typed. Its cac entry below is for --help and completion only.
  const curlWords = curlArgv(argv);
  if (curlWords) return (await import("./commands/curl.ts")).curlCommand(curlWords.words, curlWords.config);
  // --- end sesame curl
  // `sesame help` and `sesame help CMD` are `sesame --help` and `sesame CMD --help`.
  const helpFor = argv[0] === "help" ? argv[1] : undefined;
  if (argv[0] === "help") argv = helpFor !== undefined ? [helpFor, "--help"] : ["--help"];
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
    .example("sesame credential-process NAME   as credential_process = … in a [profile] of ~/.aws/config")
    .action(run(async () => {
      // main.ts takes this command's usual path; here only when something else stood before it
      const o = cli.options as { config?: string; cache?: boolean };
      const args = [...(cli.args as string[]), ...(o.config !== undefined ? ["--config", String(o.config)] : []), ...(o.cache === false ? ["--no-cache"] : [])];
      const { credentialProcess } = await import("./commands/credential-process.ts");
      await credentialProcess(args);
    }));

  cli
    .command("list", "every session: type, account, role, region and state")
    .option("--json", "machine-readable output")
    .action(run(async () => (await import("./commands/list.ts")).list(cli.options as { config?: string; json?: boolean })));

  cli
    .command("secret <action> <name>", "store (set) or remove (delete) the access key of iam-user session NAME")
    .usage("secret set|delete NAME")
    .example("sesame secret set NAME      read the access key id and secret from the terminal or stdin")
    .example("sesame secret delete NAME   remove them from the keyring")
    .action(run(async () => {
      const [action, name] = cli.args as string[];
      const m = await import("./commands/secret.ts");
      if (action === "set") return m.secretSet(name!, cli.options as { config?: string });
      if (action === "delete") return m.secretDelete(name!, cli.options as { config?: string });
      throw new UsageError(`unknown secret action "${action}"`, "use: sesame secret set NAME, or sesame secret delete NAME");
    }));

  cli
    .command("cache <action>", "cache clear: forget every cached credential")
    .usage("cache clear")
    .example("sesame cache clear")
    .action(run(async () => {
      const [action] = cli.args as string[];
      if (action !== "clear") throw new UsageError(`unknown cache action "${action}"`, "use: sesame cache clear");
      return (await import("./commands/cache.ts")).cacheClear();
    }));

  cli
    .command("exec <name> [...command]", "run COMMAND with the credentials of NAME in its environment: sesame exec NAME -- COMMAND [ARGS…]")
    .option("--server", "give COMMAND a loopback credentials endpoint that renews them (container provider) instead of credentials")
    .option("--imds", "also an IMDSv2-compatible endpoint (AWS_EC2_METADATA_SERVICE_ENDPOINT); implies --server")
    .option("--bind <address>", "with --server: 127.0.0.1 (default) or ::1; nothing else")
    // cac stops parsing at the first `--` and hands the rest over untouched (options["--"]). Without
    // `--`, flags meant for COMMAND would be read as sesame's: allow them here only to refuse them
    // with a useful message instead of cac's "Unknown option".
    .allowUnknownOptions()
    .usage("exec NAME -- COMMAND [ARGS…]")
    .example("sesame exec prod -- aws s3 ls      everything after -- is the command and its own flags")
    .action(run(async () => {
      const [name, ...before] = cli.args as string[];
      const after = (cli.options["--"] ?? []) as string[];
      const known = new Set(["--", "server", "imds", "bind", ...cli.globalCommand.options.flatMap((o) => o.names)]);
      const stray = Object.keys(cli.options).filter((k) => !known.has(k));
      if (stray.length) {
        throw new UsageError(`exec: ${stray.map((k) => (k.length > 1 ? `--${k}` : `-${k}`)).join(", ")} is not a sesame option`, `put -- before the command: sesame exec ${name} -- COMMAND [ARGS…]`);
      }
      // Everything before `--` is parsed as sesame's own (a command's --config would become sesame's
      // catalog), so the command must come after it.
      if (before.length) throw new UsageError(`exec: the command must come after --`, `put -- before the command: sesame exec ${name} -- COMMAND [ARGS…]`);
      const command = after;
      return (await import("./commands/exec.ts")).exec(name!, command, cli.options as { config?: string; server?: boolean; imds?: boolean; bind?: string });
    }));

  cli
    .command("serve", "a loopback credentials endpoint (container provider, and IMDSv2 with --imds) for the sessions named")
    .option("--session <name>", "a session to serve (repeatable)")
    .option("--all", "serve every session of the catalog")
    .option("--port <port>", "port of the container endpoint (default: a free one)")
    .option("--bind <address>", "127.0.0.1 (default) or ::1; nothing else")
    .option("--imds", "also an IMDSv2-compatible endpoint per session")
    .action(run(async () => (await import("./commands/serve.ts")).serve(cli.options as { config?: string; session?: string | string[]; all?: boolean; port?: string; bind?: string; imds?: boolean })));

  cli
    .command("env <name>", "print shell statements that export the credentials of NAME")
    .option("--shell <shell>", "sh, bash, zsh, fish or powershell (default: sh)")
    .action(run(async () => (await import("./commands/env.ts")).env((cli.args as string[])[0]!, cli.options as { config?: string; shell?: string })));

  cli
    .command("whoami <name>", "call STS GetCallerIdentity with the credentials of NAME")
    .option("--json", "machine-readable output")
    .action(run(async () => (await import("./commands/whoami.ts")).whoami((cli.args as string[])[0]!, cli.options as { config?: string; json?: boolean })));

  cli
    .command("profiles <action>", "profiles sync: one [profile NAME] per session in ~/.aws/config ($AWS_CONFIG_FILE), using credential_process")
    .option("--dry-run", "print what would change as a diff and write nothing")
    .usage("profiles sync [--dry-run]")
    .example("sesame profiles sync --dry-run")
    .action(run(async () => {
      const [action] = cli.args as string[];
      if (action !== "sync") throw new UsageError(`unknown profiles action "${action}"`, "use: sesame profiles sync [--dry-run]");
      return (await import("./commands/profiles-sync.ts")).profilesSync(cli.options as { config?: string; dryRun?: boolean });
    }));

  cli
    .command("login <name>", "sign in to IAM Identity Center (an sso-session), or to the AWS console for an aws-login session")
    .option("--device-code", "IAM Identity Center: use the device-code flow (for a browser on another machine)")
    .option("--remote", "aws-login: sign in with a browser on another device and paste the code it shows")
    .option("--no-browser", "print the URL instead of opening a browser")
    .option("--force", "sign in again even if the current sign-in is still valid")
    .action(run(async () => (await import("./commands/login.ts")).loginCommand((cli.args as string[])[0]!, cli.options as { config?: string; deviceCode?: boolean; remote?: boolean; browser?: boolean; force?: boolean })));

  cli
    .command("logout [name]", "sign out of IAM Identity Center or of an aws-login session (every one when none is named) and forget its tokens and credentials")
    .action(run(async () => (await import("./commands/logout.ts")).logoutCommand((cli.args as string[])[0], cli.options as { config?: string })));

  cli
    .command("sso <action> <sso>", "sso sync: add a session for every account and role the sign-in reaches")
    .usage("sso sync SSO [--dry-run] [--no-prune] [--region REGION]")
    .example("sesame sso sync work --dry-run")
    .option("--dry-run", "print the change to the catalog as a diff and write nothing")
    .option("--no-prune", "keep sessions whose account or role is no longer reachable")
    .option("--region <region>", "region = … for every generated session")
    .action(run(async () => {
      const [action, name] = cli.args as string[];
      if (action !== "sync") throw new UsageError(`unknown sso action "${action}"`, "use: sesame sso sync NAME");
      return (await import("./commands/sso-sync.ts")).ssoSyncCommand(name!, cli.options as { config?: string; dryRun?: boolean; prune?: boolean; region?: string });
    }));

  cli
    .command("import", "turn the profiles of ~/.aws/config and ~/.aws/credentials into catalog sessions; keys go to the keyring")
    .option("--yes", "also migrate ~/.aws without asking: remove the moved keys from ~/.aws/credentials (backup kept) and point the profiles at sesame")
    .option("--dry-run", "print what would change and write nothing")
    .action(run(async () => (await import("./commands/import.ts")).importCommand(cli.options as { config?: string; yes?: boolean; dryRun?: boolean })));

  cli
    .command("console <name>", "open the AWS console signed in as NAME (federation sign-in URL)")
    .option("--print", "print the sign-in URL (valid 15 minutes; it is a secret) instead of opening a browser")
    .option("--service <name>", "console page of a service: ec2, s3, iam, lambda, cloudwatch, … (docs/console.md)")
    .option("--region <region>", "region of the console page (default: the session's region; global services have none)")
    .option("--destination <url>", "console page to open, a URL of the session's partition (default: the console home)")
    .option("--browser <template>", "firefox-container[:NAME], chrome-profile[:DIR], chromium-profile[:DIR], or a command with {url}")
    .option("--logout-first", "sign out of the console first, so another account's console session does not block")
    .option("--duration <seconds>", "console session length: iam-user 900–129600 (default 3600), sso 900–43200, assume-role at most 3600")
    .option("--policy-arn <arn>", "iam-user only: managed policy limiting the console session (repeatable; default: the user's own permissions)")
    .action(run(async () => (await import("./commands/console.ts")).consoleCommand((cli.args as string[])[0]!, cli.options as { config?: string; print?: boolean; destination?: string; duration?: string | number; policyArn?: string | string[]; service?: string; region?: string; browser?: string; logoutFirst?: boolean })));

  cli
    .command("curl <name> <url>", "send one HTTP request signed with SigV4 as NAME (curl's flags), or print a presigned URL")
    .option("-X, --request <method>", "HTTP method (default GET, or POST with a body)")
    .option("-H, --header <header>", "'Name: value', repeatable")
    .option("-d, --data <data>", "body text, or @FILE (newlines dropped); joined with &")
    .option("--data-binary <data>", "body as is: text, @FILE or @- (stdin), streamed")
    .option("-i, --include", "print the status line and headers before the body")
    .option("-o, --output <file>", "write the body to FILE instead of stdout")
    .option("-s, --silent", "accepted for curl compatibility")
    .option("-f, --fail", "exit 22 without printing the body when the status is 400 or more")
    .option("-m, --max-time <seconds>", "give up after this many seconds (exit 28)")
    .option("--service <name>", "signing name when the host does not say it (execute-api, lambda, es, s3 …)")
    .option("--region <region>", "signing region when the host does not say it")
    .option("--presign", "print a presigned URL instead of sending")
    .option("--expires <seconds>", "lifetime of the presigned URL (default 900, at most 604800)")
    .action(run(async () => {
      throw new UsageError("curl: could not read the command line", "run: sesame curl NAME [flags] URL");
    }));

  cli
    .command("doctor", "check keyring, catalog, ~/.aws entries, clock skew, cache folders and sign-ins, and say what to fix")
    .option("--json", "machine-readable output")
    .action(run(async () => (await import("./commands/doctor.ts")).doctor(cli.options as { config?: string; json?: boolean })));

  cli
    .command("log", "who got which session's credentials, and when (the record credential-process keeps)")
    .option("--session <name>", "only this session")
    .option("--since <duration>", "only the last DURATION, e.g. 2h")
    .option("--json", "one JSON object per line")
    .action(run(async () => (await import("./commands/log.ts")).showLog(cli.options as { session?: string; since?: string; json?: boolean })));

  cli
    .command("completion [shell]", "print a completion script for bash, zsh or fish")
    .option("--sessions", "print the session names, one per line (what the scripts call)")
    .action(run(async () => {
      const spec = cli.commands.map((c) => ({ name: c.name, description: c.description, options: c.options.map((o) => o.rawName) }));
      spec.push({ name: "help", description: "help for sesame or one of its commands", options: [] });
      const global = cli.globalCommand.options.map((o) => o.rawName);
      return (await import("./commands/completion.ts")).completion((cli.args as string[])[0], cli.options as { config?: string; sessions?: boolean }, global, spec);
    }));

  // cac marks every --no-X flag "(default: true)", which reads as if the flag were on by default.
  // A command's help also says what it does, and its examples are indented like the rest.
  cli.help((sections) => {
    const out = sections.map((sec) => ({ ...sec, body: (sec.title === "Examples" ? sec.body.replace(/^/gm, "  $ ") : sec.body).replace(/ \(default: true\)/g, "") }));
    const cmd = cli.matchedCommand;
    if (cmd) out.splice(2, 0, { body: `  ${cmd.description}` });
    return out;
  });
  cli.version(VERSION);
  cli.globalCommand.outputVersion = () => console.log(versionLine()); // cac's own line names node, not the build

  if (helpFor !== undefined && !cli.commands.some((c) => c.name === helpFor)) {
    throw new UsageError(`unknown command "${helpFor}"`, fixFor(helpFor, cli.commands.map((c) => c.name), "run: sesame help"));
  }
  try {
    cli.parse(["sesame", "sesame", ...argv], { run: false });
  } catch (e) {
    throw new UsageError(cacMessage(e), "run: sesame --help");
  }
  if (!cli.matchedCommand) {
    // An unknown flag before the command (`sesame --bogus list`) swallows the command as its value:
    // refuse it rather than print help and exit 0 into a credential_process pipe.
    const stray = unknownGlobalFlag(dd(argv));
    if (stray) throw new UsageError(`unknown option ${stray}`, "run: sesame --help");
  }
  if (cli.options.help || cli.options.version) return 0;
  if (!cli.matchedCommand) {
    if (cli.args.length === 0) {
      cli.outputHelp();
      return 0;
    }
    const word = String(cli.args[0]);
    throw new UsageError(`unknown command "${word}"`, fixFor(word, cli.commands.map((c) => c.name), "run: sesame --help"));
  }
  // Every command but the warm credential-process path may hold a long-lived secret: no core dumps.
  // `list` turns them off itself, only before it opens a keyring (its FFI stubs cost ~0.1x of the floor).
  if (cli.matchedCommand?.name !== "list") await (await import("./runtime/no-core-dump.ts")).disableCoreDumps();
  try {
    cli.runMatchedCommand();
  } catch (e) {
    if (e instanceof SesameError) throw e;
    throw new UsageError(cacMessage(e), "run: sesame --help");
  }
  const r = await pending;
  if (typeof r === "number") status = r;
  return status;
}

/** The words before `--`: after it they belong to the command `exec` runs. */
function dd(argv: string[]): string[] {
  const i = argv.indexOf("--");
  return i < 0 ? argv : argv.slice(0, i);
}

/** The first flag that is no global flag, by its name only (a value after "=" may be a secret). */
function unknownGlobalFlag(words: string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.startsWith("-") || w === "-") continue;
    const name = w.split("=")[0]!;
    if (!GLOBAL_FLAGS.has(name)) return name;
    if (name === "--config" && !w.includes("=")) i++; // its value
  }
  return undefined;
}

/** cac's own wording, without echoing stray arguments: someone may have typed a secret there. */
function cacMessage(e: unknown): string {
  const m = ((e as Error).message ?? String(e)).replace(/`/g, "").replace(/^Unknown option/, "unknown option");
  const unused = /^Unused args: (.*)$/.exec(m);
  if (unused) {
    const n = unused[1]!.split(", ").length;
    return `${n} argument${n === 1 ? "" : "s"} too many (not shown, in case one is a secret)`;
  }
  return m;
}

/** The words after `curl` when curl is the command (sesame's --config/--verbose may come first); not for --help. */
function curlArgv(argv: string[]): { words: string[]; config?: string } | undefined {
  let config: string | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === "--verbose") continue;
    if (w === "--config" && i + 1 < argv.length) {
      config = argv[++i];
      continue;
    }
    if (w.startsWith("--config=")) {
      config = w.slice(9);
      continue;
    }
    break;
  }
  if (argv[i] !== "curl") return undefined;
  const words = argv.slice(i + 1);
  if (words.some((w) => w === "--help" || w === "-h")) return undefined;
  return config === undefined ? { words } : { words, config };
}
