// The words after `sesame curl NAME`, read the way curl reads them (-X POST, -XPOST, -H repeated, -sSf
// grouped, --max-time=5 …). cac cannot parse these (it would take `-d @-` apart), so this module does.
// Pure: no file or network access; what the data flags point at is read later (body.ts).
import { UsageError } from "../errors.ts";

/** Where the request body comes from. Text parts from -d are joined with "&" as curl joins them. */
export type BodySpec =
  | { kind: "none" }
  | { kind: "text"; parts: DataPart[] }
  | { kind: "file"; path: string }
  | { kind: "stdin" };

/** One -d/--data/--data-raw/--data-binary argument that is kept in memory. */
export interface DataPart {
  /** literal text, or the path of a file to read (-d @file) */
  value: string;
  fromFile: boolean;
  /** -d strips CR and LF from a file's content; --data-binary and --data-raw keep it */
  stripNewlines: boolean;
}

export interface CurlArgs {
  name: string;
  url: string;
  method?: string;
  /** in the order given; repeated names are kept (sent as separate lines, signed joined with ",") */
  headers: Array<[string, string]>;
  body: BodySpec;
  include: boolean;
  output?: string;
  silent: boolean;
  fail: boolean;
  /** seconds */
  maxTime?: number;
  service?: string;
  region?: string;
  presign: boolean;
  /** seconds a presigned URL stays valid */
  expires?: number;
  /** sesame's own --config, accepted after `curl` too */
  config?: string;
}

const USAGE = "use: sesame curl NAME [-X METHOD] [-H 'Name: value'] [-d DATA | --data-binary @FILE|@-] [-i] [-o FILE] [-s] [-f] [--max-time S] [--service S] [--region R] [--presign [--expires S]] URL";

/** Long flags that take a value, with the short spelling when curl has one. */
const VALUE_FLAGS: Record<string, string> = {
  "-X": "method", "--request": "method",
  "-H": "header", "--header": "header",
  "-d": "data", "--data": "data", "--data-ascii": "data",
  "--data-raw": "data-raw", "--data-binary": "data-binary",
  "-o": "output", "--output": "output",
  "-m": "max-time", "--max-time": "max-time",
  "--service": "service", "--region": "region", "--expires": "expires",
  "--url": "url", "--config": "config",
};
const BOOL_FLAGS: Record<string, string> = {
  "-i": "include", "--include": "include",
  "-s": "silent", "--silent": "silent",
  "-S": "show-error", "--show-error": "show-error",
  "-f": "fail", "--fail": "fail",
  "--presign": "presign",
  "--verbose": "show-error", // sesame's own flag, already read by main.ts
};
/** short flags that take a value, for -XPOST and -sSfXPOST */
const SHORT_VALUE = new Set(["X", "H", "d", "o", "m"]);
const SHORT_BOOL = new Set(["i", "s", "S", "f"]);

export function parseCurlArgs(words: string[]): CurlArgs {
  const out: CurlArgs = { name: "", url: "", headers: [], body: { kind: "none" }, include: false, silent: false, fail: false, presign: false };
  const positionals: string[] = [];
  const textParts: DataPart[] = [];
  let streamed: BodySpec | undefined;

  const apply = (flag: string, key: string, value: string | undefined): void => {
    const need = (): string => {
      if (value === undefined) throw new UsageError(`curl: ${flag} needs a value`, USAGE);
      return value;
    };
    switch (key) {
      case "method": {
        const m = need();
        if (!/^[A-Za-z]+$/.test(m)) throw new UsageError(`curl: ${flag} takes an HTTP method such as GET or POST`, USAGE);
        out.method = m.toUpperCase();
        return;
      }
      case "header": {
        const h = need();
        const colon = h.indexOf(":");
        if (colon <= 0) throw new UsageError(`curl: ${flag} takes "Name: value"`, USAGE);
        const name = h.slice(0, colon).trim();
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(`curl: "${name.replace(/[^\x20-\x7e]/g, "?")}" is not a header name`, USAGE);
        const v = h.slice(colon + 1).trim();
        if (/[\r\n\0]/.test(v)) throw new UsageError(`curl: the value of header ${name} has a line break`, "give each header on its own -H");
        out.headers.push([name, v]);
        return;
      }
      case "data":
      case "data-raw": {
        const d = need();
        if (key === "data" && d.startsWith("@")) {
          if (d === "@-") throw new UsageError(`curl: ${flag} @- is not streamed`, "use --data-binary @- to send stdin");
          textParts.push({ value: d.slice(1), fromFile: true, stripNewlines: true });
        } else textParts.push({ value: d, fromFile: false, stripNewlines: false });
        return;
      }
      case "data-binary": {
        const d = need();
        if (d === "@-") streamed = { kind: "stdin" };
        else if (d.startsWith("@")) streamed = { kind: "file", path: d.slice(1) };
        else textParts.push({ value: d, fromFile: false, stripNewlines: false });
        if (d.startsWith("@") && d.length === 1) throw new UsageError(`curl: ${flag} @ needs a file name`, USAGE);
        return;
      }
      case "output":
        out.output = need();
        return;
      case "max-time":
        out.maxTime = seconds(flag, need(), 0.001, 86400 * 7);
        return;
      case "expires":
        out.expires = seconds(flag, need(), 1, 604800);
        if (!Number.isInteger(out.expires)) throw new UsageError(`curl: ${flag} takes whole seconds`, "write e.g. --expires 900");
        return;
      case "service": {
        const s = need();
        if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(s)) throw new UsageError(`curl: --service "${s.replace(/[^\x20-\x7e]/g, "?")}" is not an AWS signing name`, "use the name AWS signs with, e.g. execute-api, lambda, es, s3");
        out.service = s;
        return;
      }
      case "region": {
        const r = need();
        if (!/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/.test(r)) throw new UsageError(`curl: --region "${r.replace(/[^\x20-\x7e]/g, "?")}" is not an AWS region name`, `use a name such as "eu-west-1"`);
        out.region = r;
        return;
      }
      case "url":
        positionals.push(need());
        return;
      case "config":
        out.config = need();
        return;
      case "include":
        out.include = true;
        return;
      case "silent":
        out.silent = true;
        return;
      case "fail":
        out.fail = true;
        return;
      case "presign":
        out.presign = true;
        return;
      case "show-error":
        return; // sesame always shows errors
    }
  };

  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--") {
      positionals.push(...words.slice(i + 1));
      break;
    }
    if (w.startsWith("--")) {
      const eq = w.indexOf("=");
      const flag = eq < 0 ? w : w.slice(0, eq);
      if (VALUE_FLAGS[flag]) {
        apply(flag, VALUE_FLAGS[flag]!, eq < 0 ? words[++i] : w.slice(eq + 1));
      } else if (BOOL_FLAGS[flag] && eq < 0) {
        apply(flag, BOOL_FLAGS[flag]!, undefined);
      } else {
        throw new UsageError(`curl: ${flag.replace(/[^\x20-\x7e]/g, "?")} is not a flag sesame curl knows`, USAGE);
      }
      continue;
    }
    if (w.startsWith("-") && w.length > 1) {
      // A group of short flags; the first one that takes a value takes the rest of the word or the next word.
      for (let j = 1; j < w.length; j++) {
        const c = w[j]!;
        if (SHORT_BOOL.has(c)) {
          apply(`-${c}`, BOOL_FLAGS[`-${c}`]!, undefined);
        } else if (SHORT_VALUE.has(c)) {
          const rest = w.slice(j + 1);
          apply(`-${c}`, VALUE_FLAGS[`-${c}`]!, rest !== "" ? rest : words[++i]);
          break;
        } else {
          throw new UsageError(`curl: -${c.replace(/[^\x20-\x7e]/g, "?")} is not a flag sesame curl knows`, USAGE);
        }
      }
      continue;
    }
    positionals.push(w);
  }

  if (positionals.length === 0) throw new UsageError("curl needs a session name and a URL", USAGE);
  if (positionals.length === 1) throw new UsageError("curl needs a URL after the session name", USAGE);
  if (positionals.length > 2) throw new UsageError(`curl takes one URL; ${positionals.length - 1} were given`, "quote a URL that has spaces or & in it");
  out.name = positionals[0]!;
  out.url = positionals[1]!;
  if (streamed && textParts.length) throw new UsageError("curl: --data-binary @FILE or @- cannot be combined with other data", "send one body: put it all in the file");
  out.body = streamed ?? (textParts.length ? { kind: "text", parts: textParts } : { kind: "none" });
  if (out.expires !== undefined && !out.presign) throw new UsageError("curl: --expires only applies with --presign", "add --presign, or remove --expires");
  if (out.presign && (streamed || textParts.length)) throw new UsageError("curl: --presign cannot carry a body", "presign a GET (or -X METHOD) without -d; the caller sends the body");
  if (out.presign && (out.output || out.include || out.fail)) throw new UsageError("curl: --presign prints a URL and sends nothing, so -o, -i and -f do not apply", "remove them");
  return out;
}

function seconds(flag: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n >= min && n <= max)) throw new UsageError(`curl: ${flag} takes a number of seconds (${min}–${max})`, `write e.g. ${flag} 30`);
  return n;
}

/** The method curl would use: -X, else POST when there is a body, else GET. */
export function methodOf(a: CurlArgs): string {
  return a.method ?? (a.body.kind === "none" ? "GET" : "POST");
}
