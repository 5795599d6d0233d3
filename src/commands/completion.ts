// sesame completion bash|zsh|fish: a completion script for subcommands, flags and session names.
// Commands and flags come from the cac registration (cli.ts passes them in), so the scripts follow
// the CLI as it grows; what a positional argument is (a session, set/delete, …) is the table below.
//
// Session names are fetched when TAB is pressed with `sesame completion --sessions`, which only reads
// the catalog. (`sesame list --json` would also do, but it asks the keyring about every IAM user: on
// a locked Secret Service or the file keyring that can mean an unlock dialog or a passphrase prompt
// on every TAB.)
import { writeSync } from "node:fs";
import { catalogPath, stateDir } from "../locations.ts";
import { loadCatalogMemo } from "../catalog/load.ts";
import { UsageError } from "../errors.ts";
import { fishQuote, SHELLS } from "../output/shell-env.ts";
import type { Env } from "../types.ts";

export interface CommandSpec {
  name: string;
  description: string;
  /** cac raw option names: "--json", "--shell <shell>", "-c, --config <path>" */
  options: string[];
}

type Arg = "sessions" | "commands" | "files" | readonly string[];

/** What each positional argument of a command is; commands not listed complete flags only. */
const POSITIONALS: Record<string, readonly Arg[]> = {
  "credential-process": ["sessions"],
  exec: ["sessions", "commands"],
  env: ["sessions"],
  whoami: ["sessions"],
  login: ["sessions"],
  logout: ["sessions"],
  console: ["sessions"],
  curl: ["sessions"],
  secret: [["set", "delete"], "sessions"],
  cache: [["clear"]],
  profiles: [["sync"]],
  sso: [["sync"]],
  completion: [["bash", "zsh", "fish"]],
};

/** Values of flags that take one; other value flags complete file names. */
const FLAG_VALUES: Record<string, readonly string[]> = { "--shell": SHELLS };

export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;

export async function completion(shell: string | undefined, opts: { config?: string; sessions?: boolean }, global: string[], commands: CommandSpec[], env: Env = process.env): Promise<void> {
  if (opts.sessions) {
    const cat = await loadCatalogMemo(catalogPath(opts.config, env), stateDir(env));
    const names = [...cat.sessions.keys()];
    if (names.length) writeSync(1, names.join("\n") + "\n");
    return;
  }
  if (!shell || !(COMPLETION_SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(shell ? `no completion for shell "${shell}"` : "completion needs a shell", "use: sesame completion bash, zsh or fish");
  }
  writeSync(1, completionScript(shell as (typeof COMPLETION_SHELLS)[number], global, commands));
}

interface Flag {
  names: string[];
  takesValue: boolean;
}

export function parseFlags(raw: readonly string[]): Flag[] {
  return raw.map((r) => ({
    names: r.split(/[<[]/)[0]!.split(",").map((s) => s.trim()).filter(Boolean),
    takesValue: /[<[]/.test(r),
  }));
}

const names = (flags: Flag[]) => flags.flatMap((f) => f.names);

export function completionScript(shell: (typeof COMPLETION_SHELLS)[number], global: string[], commands: CommandSpec[]): string {
  const g = parseFlags(global);
  const cmds = commands.map((c) => ({ ...c, flags: parseFlags(c.options), args: POSITIONALS[c.name] ?? [] }));
  const valueFlags = [...new Set([...g, ...cmds.flatMap((c) => c.flags)].filter((f) => f.takesValue).flatMap((f) => f.names))];
  const data = { global: g, cmds, valueFlags };
  if (shell === "bash") return bash(data);
  if (shell === "zsh") return zsh(data);
  return fish(data);
}

type Data = { global: Flag[]; cmds: (CommandSpec & { flags: Flag[]; args: readonly Arg[] })[]; valueFlags: string[] };

// bash and zsh share the walk over the words before the cursor: the first plain word is the command,
// later ones count as positionals, a value flag swallows the next word, and after `--` every word is
// a positional (exec's child command).
function bash(d: Data): string {
  const flagCase = d.cmds.filter((c) => c.flags.length).map((c) => `        ${c.name}) flags+=" ${names(c.flags).join(" ")}" ;;`).join("\n");
  const valueCase = d.valueFlags.map((f) => `      ${f}) ${FLAG_VALUES[f] ? `COMPREPLY=($(compgen -W "${FLAG_VALUES[f]!.join(" ")}" -- "$cur"))` : `local IFS=$'\\n'; COMPREPLY=($(compgen -f -- "$cur"))`}; return ;;`).join("\n");
  const argCase = d.cmds.flatMap((c) => c.args.map((a, i) => `    ${c.name}:${i}) ${bashArg(a)} ;;`)).join("\n");
  return `# sesame completion for bash. Load it with: eval "$(sesame completion bash)" (e.g. in ~/.bashrc)
_sesame() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local cmd="" w i npos=0 dashdash=0
  local -a cfg=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    if ((dashdash)); then npos=$((npos + 1)); continue; fi
    case $w in
      --) dashdash=1 ;;
      --config) cfg=(--config "\${COMP_WORDS[i+1]}"); i=$((i + 1)) ;;
      ${d.valueFlags.filter((f) => f !== "--config").join("|") || "--"}) i=$((i + 1)) ;;
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd=$w; else npos=$((npos + 1)); fi ;;
    esac
  done
  if ((!dashdash)); then
    case $prev in
${valueCase}
    esac
    if [[ $cur == -* ]]; then
      local flags="${names(d.global).join(" ")}"
      case $cmd in
${flagCase}
      esac
      COMPREPLY=($(compgen -W "$flags" -- "$cur"))
      return
    fi
  fi
  case $cmd:$npos in
    :*) COMPREPLY=($(compgen -W "${d.cmds.map((c) => c.name).join(" ")}" -- "$cur")) ;;
${argCase}
${restOf(d).map((c) => `    ${c}:*) local IFS=$'\\n'; COMPREPLY=($(compgen -f -- "$cur")) ;;`).join("\n")}
  esac
}
complete -F _sesame sesame
`;
}

/** Commands whose last positional is a command to run: the words after it are its arguments (files, mostly). */
function restOf(d: Data): string[] {
  return d.cmds.filter((c) => c.args.at(-1) === "commands").map((c) => c.name);
}

function bashArg(a: Arg): string {
  if (a === "sessions") return `COMPREPLY=($(compgen -W "$(command sesame completion --sessions "\${cfg[@]}" 2>/dev/null)" -- "$cur"))`;
  if (a === "commands") return `local IFS=$'\\n'; COMPREPLY=($(compgen -c -- "$cur"))`;
  if (a === "files") return `local IFS=$'\\n'; COMPREPLY=($(compgen -f -- "$cur"))`;
  return `COMPREPLY=($(compgen -W "${a.join(" ")}" -- "$cur"))`;
}

function zsh(d: Data): string {
  const flagCase = d.cmds.filter((c) => c.flags.length).map((c) => `        ${c.name}) flags+=(${names(c.flags).join(" ")}) ;;`).join("\n");
  const valueCase = d.valueFlags.map((f) => `      ${f}) ${FLAG_VALUES[f] ? `compadd -- ${FLAG_VALUES[f]!.join(" ")}` : "_files"}; return ;;`).join("\n");
  const argCase = d.cmds.flatMap((c) => c.args.map((a, i) => `    ${c.name}:${i}) ${zshArg(a)} ;;`)).join("\n");
  return `#compdef sesame
# sesame completion for zsh. Load it with: source <(sesame completion zsh) after compinit (e.g. in ~/.zshrc),
# or save it as _sesame in a folder of $fpath.
_sesame() {
  local cmd="" w
  local -i i npos=0 dashdash=0
  local -a cfg flags
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    if ((dashdash)); then npos+=1; continue; fi
    case $w in
      --) dashdash=1 ;;
      --config) cfg=(--config "\${words[i+1]}"); i+=1 ;;
      ${d.valueFlags.filter((f) => f !== "--config").join("|") || "--"}) i+=1 ;;
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd=$w; else npos+=1; fi ;;
    esac
  done
  if ((!dashdash)); then
    case \${words[CURRENT-1]} in
${valueCase}
    esac
    if [[ \${words[CURRENT]} == -* ]]; then
      flags=(${names(d.global).join(" ")})
      case $cmd in
${flagCase}
      esac
      compadd -- $flags
      return
    fi
  fi
  case $cmd:$npos in
    :*) compadd -- ${d.cmds.map((c) => c.name).join(" ")} ;;
${argCase}
${restOf(d).map((c) => `    ${c}:*) _files ;;`).join("\n")}
  esac
}
if [[ \${funcstack[1]} == _sesame ]]; then _sesame "$@"; else compdef _sesame sesame; fi
`;
}

function zshArg(a: Arg): string {
  if (a === "sessions") return "compadd -- $(command sesame completion --sessions $cfg 2>/dev/null)";
  if (a === "commands") return "_command_names -e";
  if (a === "files") return "_files";
  return `compadd -- ${a.join(" ")}`;
}

function fish(d: Data): string {
  const lines = [
    "# sesame completion for fish. Load it with: sesame completion fish | source",
    "# (or save it as ~/.config/fish/completions/sesame.fish)",
    "function __sesame_words --description 'words before the cursor that are not sesame flags or their values'",
    "    set -l toks (commandline -opc)",
    "    set -e toks[1]",
    "    set -l skip 0",
    "    set -l dashdash 0",
    "    for t in $toks",
    "        if test $dashdash = 1",
    "            printf '%s\\n' $t",
    "        else if test $skip = 1",
    "            set skip 0",
    "        else",
    "            switch $t",
    "                case --",
    "                    set dashdash 1",
    ...(d.valueFlags.length ? [`                case ${d.valueFlags.join(" ")}`, "                    set skip 1"] : []),
    "                case '-*'",
    "                case '*'",
    "                    printf '%s\\n' $t",
    "            end",
    "        end",
    "    end",
    "end",
    "function __sesame_at --argument-names cmd n --description 'is the cursor at positional N of CMD (N: a number, N+ or any)'",
    "    set -l w (__sesame_words)",
    "    if test -z \"$cmd\"",
    "        test (count $w) -eq 0",
    "        return",
    "    end",
    "    test (count $w) -gt 0; and test \"$w[1]\" = \"$cmd\"; or return 1",
    "    switch $n",
    "        case any",
    "            return 0",
    "        case '*+'",
    "            test (count $w) -ge (math (string trim -r -c + -- $n) + 1)",
    "        case '*'",
    "            test (count $w) -eq (math $n + 1)",
    "    end",
    "end",
    "complete -c sesame -f",
  ];
  for (const c of d.cmds) lines.push(`complete -c sesame -n '__sesame_at \"\" 0' -a ${fishQuote(c.name)} -d ${fishQuote(c.description)}`);
  const flag = (f: Flag, cond: string) => {
    const parts = f.names.map((n) => (n.startsWith("--") ? `-l ${n.slice(2)}` : `-s ${n.slice(1)}`)).join(" ");
    const values = f.takesValue ? (FLAG_VALUES[f.names.at(-1)!] ? ` -x -a ${fishQuote(FLAG_VALUES[f.names.at(-1)!]!.join(" "))}` : " -r -F") : "";
    return `complete -c sesame${cond} ${parts}${values}`;
  };
  for (const f of d.global) lines.push(flag(f, ""));
  for (const c of d.cmds) for (const f of c.flags) lines.push(flag(f, ` -n '__sesame_at ${c.name} any'`));
  for (const c of d.cmds) {
    c.args.forEach((a, i) => {
      const cond = ` -n '__sesame_at ${c.name} ${i}'`;
      if (a === "sessions") lines.push(`complete -c sesame${cond} -a '(command sesame completion --sessions 2>/dev/null)'`);
      else if (a === "commands") lines.push(`complete -c sesame${cond} -a '(__fish_complete_command)'`);
      else if (a === "files") lines.push(`complete -c sesame${cond} -F`);
      else lines.push(`complete -c sesame${cond} -a ${fishQuote(a.join(" "))}`);
    });
    // after exec's command: its arguments, most often files
    if (restOf(d).includes(c.name)) lines.push(`complete -c sesame -n '__sesame_at ${c.name} ${c.args.length}+' -F`);
  }
  return lines.join("\n") + "\n";
}
