import { describe, expect, test } from "bun:test";
import { parseIni } from "../../../src/awsconfig/ini.ts";
import { commandLine, ownerOf, shellWords, syncProfiles, type WantedProfile } from "../../../src/awsconfig/managed.ts";
import { UsageError } from "../../../src/errors.ts";

const cp = (name: string) => `/opt/sesame credential-process ${name}`;
const want = (name: string, region?: string): WantedProfile => (region ? { name, credentialProcess: cp(name), region } : { name, credentialProcess: cp(name) });
const block = (name: string, region?: string, eol = "\n") =>
  [`[profile ${name}]`, "sesame_managed = true", `credential_process = ${cp(name)}`, ...(region ? [`region = ${region}`] : [])].map((l) => l + eol).join("");

// A config with everything sesame must leave alone.
const FOREIGN = [
  "# my settings; keep this comment",
  "[default]",
  "region=us-east-1",
  "  output   :   json  ",
  "",
  "[sso-session corp]",
  "sso_start_url = https://corp.awsapps.com/start",
  "sso_region = eu-west-1",
  "",
  "; work account",
  "[profile work]",
  "sso_session = corp",
  "sso_account_id = 111111111111",
  "sso_role_name = ReadOnly",
  "",
  "[services local]",
  "s3 =",
  "  endpoint_url = http://localhost:4566",
  "",
].join("\n");

describe("add", () => {
  test("into an empty file: the blocks alone", () => {
    const r = syncProfiles("", [want("dev", "eu-west-1"), want("prod")]);
    expect(r.text).toBe(block("dev", "eu-west-1") + "\n" + block("prod"));
    expect(r.added).toEqual(["dev", "prod"]);
  });

  test("to a file of foreign sections: appended after a blank line, everything before untouched", () => {
    const r = syncProfiles(FOREIGN, [want("dev", "eu-west-1")]);
    expect(r.text).toBe(FOREIGN + "\n" + block("dev", "eu-west-1"));
    expect(r.text.startsWith(FOREIGN)).toBe(true);
  });

  test("with CRLF line endings, the new lines use CRLF too", () => {
    const crlf = FOREIGN.replace(/\n/g, "\r\n");
    const r = syncProfiles(crlf, [want("dev", "eu-west-1")]);
    expect(r.text).toBe(crlf + "\r\n" + block("dev", "eu-west-1", "\r\n"));
    expect(r.text.replace(/\r\n/g, "")).not.toContain("\n");
  });

  test("to a file with no final newline: a newline and a blank line, and the file still ends without a newline", () => {
    const r = syncProfiles("[default]\nregion = us-east-1", [want("dev")]);
    expect(r.text).toBe("[default]\nregion = us-east-1\n\n" + block("dev").slice(0, -1));
    expect(syncProfiles(r.text, [want("dev")]).text).toBe(r.text);
    const more = syncProfiles(r.text, [want("dev"), want("prod")]);
    expect(more.text).toBe("[default]\nregion = us-east-1\n\n" + block("dev") + "\n" + block("prod").slice(0, -1));
  });

  test("to a file ending in blank lines: before them, so they stay the file's end", () => {
    const r = syncProfiles("[profile prod]\n\n  \n", [want("dev")]);
    expect(r.text).toBe("[profile prod]\n\n" + block("dev") + "\n  \n");
  });

  test("to a file that mixes CRLF and LF: the ending most lines use, and a second run changes nothing", () => {
    const text = "[profile  a ]\r\nsesame_managed = true\n[profile a]\nregion = x\n";
    const r = syncProfiles(text, [want("dev")]);
    expect(r.text).toBe("[profile a]\nregion = x\n\n" + block("dev"));
    const again = syncProfiles(r.text, [want("dev")]);
    expect([again.text, again.updated]).toEqual([r.text, []]);
  });

  test("next to sesame's other blocks, not at the end of the file", () => {
    const text = "[profile a]\nsesame_managed = true\ncredential_process = /opt/sesame credential-process a\n\n[profile foreign]\nregion = x\n";
    const r = syncProfiles(text, [want("a"), want("b")]);
    expect(r.text).toBe(block("a") + "\n" + block("b") + "\n" + "[profile foreign]\nregion = x\n");
  });
});

describe("update", () => {
  test("rewrites sesame's keys, keeps the user's own keys and comments in the block, and nothing else changes", () => {
    const before = FOREIGN + "\n[profile dev]\nsesame_managed = true\ncredential_process = /old/sesame credential-process dev\nregion = us-east-1\n# mine\noutput = table\n\n# trailing comment\n";
    const r = syncProfiles(before, [want("dev", "eu-west-1")]);
    expect(r.updated).toEqual(["dev"]);
    expect(r.text).toBe(FOREIGN + "\n" + block("dev", "eu-west-1") + "# mine\noutput = table\n\n# trailing comment\n");
  });

  test("a region removed from the catalog is removed from the block", () => {
    const r = syncProfiles(block("dev", "eu-west-1"), [want("dev")]);
    expect(r.text).toBe(block("dev"));
  });

  test("a block written with CRLF keeps CRLF in an LF file (it never flips between endings)", () => {
    const text = "[default]\nk = v\n\n" + block("dev", "us-east-1", "\r\n");
    const r = syncProfiles(text, [want("dev", "eu-west-1")]);
    expect(r.text).toBe("[default]\nk = v\n\n" + block("dev", "eu-west-1", "\r\n"));
    expect(syncProfiles(r.text, [want("dev", "eu-west-1")]).updated).toEqual([]);
  });

  test("a user's indented line at the top of the block stays there: below sesame's keys it would continue credential_process", () => {
    const before = "[profile dev]\n\taddressing_style = path\nsesame_managed = true\n";
    const r = syncProfiles(before, [want("dev", "eu-west-1")]);
    expect(r.text).toBe("[profile dev]\n\taddressing_style = path\n" + block("dev", "eu-west-1").split("\n").slice(1).join("\n"));
    const again = syncProfiles(r.text, [want("dev", "eu-west-1")]);
    expect([again.text, again.updated]).toEqual([r.text, []]);
  });

  test("an indented line under one of sesame's keys continues it (across a comment, too): it goes with the key", () => {
    const before = "[profile dev]\nsesame_managed = true\ncredential_process = /old\nregion = x\n# note\n  tail\noutput = json\n";
    const r = syncProfiles(before, [want("dev")]);
    expect(r.text).toBe(block("dev") + "# note\noutput = json\n");
  });

  test("a profile handed over with sesame_managed = true keeps its place and header", () => {
    const before = "[default]\nregion = x\n\n[profile   dev]\nregion = ap-south-1\nsesame_managed = TRUE\ns3 =\n  max_concurrent_requests = 20\n\n[profile z]\n";
    const r = syncProfiles(before, [want("dev", "eu-west-1")]);
    expect(r.text).toBe("[default]\nregion = x\n\n[profile   dev]\n" + block("dev", "eu-west-1").split("\n").slice(1).join("\n") + "s3 =\n  max_concurrent_requests = 20\n\n[profile z]\n");
  });
});

describe("remove", () => {
  test("a managed profile whose session is gone goes, with the blank line that separated it", () => {
    const r = syncProfiles(FOREIGN + "\n" + block("old"), []);
    expect(r.removed).toEqual(["old"]);
    expect(r.text).toBe(FOREIGN);
  });

  test("in the middle of the file: the sections around it keep one blank line between them", () => {
    const r = syncProfiles("[default]\nk = v\n\n" + block("old") + "\n[profile work]\nk = v\n", []);
    expect(r.text).toBe("[default]\nk = v\n\n[profile work]\nk = v\n");
  });

  test("at the top of the file", () => {
    const r = syncProfiles(block("old") + "\n[profile work]\nk = v\n", []);
    expect(r.text).toBe("[profile work]\nk = v\n");
  });

  test("a comment that introduces the next section stays", () => {
    const r = syncProfiles("[default]\n\n" + block("old") + "\n# the work account\n[profile work]\n", []);
    expect(r.text).toBe("[default]\n\n# the work account\n[profile work]\n");
  });

  test("add then remove gives the original bytes back (CRLF, odd spacing, blocks in the middle, the end of the file)", () => {
    const middle = "[default]\nregion  =  x  \n\n" + block("keep") + "\n[profile work]\nk = v\n";
    const ends = ["[profile prod]\n\n", "[profile mine]\nregion = eu-west-1", "[default]\r\nk = v\r\n   ", "\n", "  ", "# only a comment", "", "a = 1\r\nb = 2\n"];
    for (const original of [FOREIGN, FOREIGN.replace(/\n/g, "\r\n"), "[default]\r\nregion  =  x  \r\n", middle, ...ends]) {
      const keep = original === middle ? [want("keep")] : [];
      const added = syncProfiles(original, [...keep, want("a", "eu-west-1"), want("b")]);
      expect(added.added).toEqual(["a", "b"]);
      expect(syncProfiles(added.text, keep).text).toBe(original);
    }
  });

  test("duplicate managed blocks (an invalid file for botocore) are reduced to one", () => {
    const r = syncProfiles(block("dev") + "\n" + block("dev"), [want("dev")]);
    expect(r.text).toBe(block("dev"));
    expect(r.removed).toEqual(["dev"]);
  });
});

describe("a profile sesame does not manage", () => {
  test("is never overwritten: the session is skipped and the file is unchanged", () => {
    const r = syncProfiles(FOREIGN, [want("work", "eu-west-1")]);
    expect(r.skipped).toEqual(["work"]);
    expect(r.added).toEqual([]);
    expect(r.text).toBe(FOREIGN);
  });

  test("[default] counts as the profile named default", () => {
    const r = syncProfiles(FOREIGN, [want("default")]);
    expect(r.skipped).toEqual(["default"]);
    expect(r.text).toBe(FOREIGN);
  });

  test("sesame_managed = false does not make a block sesame's", () => {
    const text = "[profile dev]\nsesame_managed = false\ncredential_process = /x\n";
    expect(syncProfiles(text, [want("dev")]).skipped).toEqual(["dev"]);
    expect(syncProfiles(text, []).text).toBe(text);
  });

  test("a managed twin of a foreign profile is removed, the foreign one stays", () => {
    const foreign = "[profile dev]\nregion = x\n";
    const r = syncProfiles(foreign + "\n" + block("dev"), [want("dev")]);
    expect(r.skipped).toEqual(["dev"]);
    expect(r.text).toBe(foreign);
  });
});

test("idempotent: a second run changes nothing", () => {
  const inputs = [FOREIGN, FOREIGN.replace(/\n/g, "\r\n"), "", "[default]\nregion = x", FOREIGN + "\n" + block("old") + block("dev", "us-east-1") + "output = json\n"];
  const wanted = [want("dev", "eu-west-1"), want("prod"), want("work")];
  for (const input of inputs) {
    const first = syncProfiles(input, wanted);
    const second = syncProfiles(first.text, wanted);
    expect(second.text).toBe(first.text);
    expect([second.added, second.updated, second.removed]).toEqual([[], [], []]);
    expect(second.skipped).toEqual(first.skipped);
  }
});

test("nothing to do returns the very same text", () => {
  const text = FOREIGN + "\n" + block("dev");
  const r = syncProfiles(text, [want("dev")]);
  expect(r.text).toBe(text);
  expect([r.added, r.updated, r.removed, r.skipped]).toEqual([[], [], [], []]);
});

describe("credential_process command line", () => {
  test.each([
    [["/usr/local/bin/sesame", "credential-process", "dev"], "/usr/local/bin/sesame credential-process dev"],
    [["/Users/Jane Doe/bin/sesame", "credential-process", "dev"], '"/Users/Jane Doe/bin/sesame" credential-process dev'],
    [["/opt/a$b/sesame", "x"], "'/opt/a$b/sesame' x"],
    [["/opt/it's/sesame"], `"/opt/it's/sesame"`],
    [["/opt/it's $x/sesame"], `'/opt/it'\\''s $x/sesame'`],
    [["/opt/back\\slash"], `'/opt/back\\slash'`],
  ])("posix %p", (argv, line) => {
    expect(commandLine(argv, "linux")).toBe(line);
  });

  test("shlex (botocore) splits the quoted line back into the same words", () => {
    const argv = ["/Users/Jane Doe/bin/sesame", "credential-process", "dev", "--config", "/tmp/it's $HOME/s.toml"];
    const r = Bun.spawnSync(["python3", "-c", "import shlex,sys,json; print(json.dumps(shlex.split(sys.argv[1])))", commandLine(argv, "linux")]);
    if (r.exitCode !== 0) return; // no python3 here: the table above still holds
    expect(JSON.parse(r.stdout.toString())).toEqual(argv);
    // and sh -c, which the JavaScript, Go and Rust SDKs use, agrees
    const sh = Bun.spawnSync(["sh", "-c", `printf '%s\\n' ${commandLine(argv, "linux")}`]);
    expect(sh.stdout.toString().trimEnd().split("\n")).toEqual(argv);
  });

  test("windows: double quotes around words with spaces or cmd.exe metacharacters", () => {
    expect(commandLine(["C:\\Program Files\\sesame\\sesame.exe", "credential-process", "dev"], "win32")).toBe('"C:\\Program Files\\sesame\\sesame.exe" credential-process dev');
    expect(commandLine(["C:\\bin\\sesame.exe"], "win32")).toBe("C:\\bin\\sesame.exe");
    // cmd.exe (the JS SDK's runner) would end the command at & or |, redirect at < >, escape at ^
    for (const c of ["&", "|", "<", ">", "^", "(", ")", ",", ";", "=", "!"]) {
      expect(commandLine([`C:\\R${c}D\\sesame.exe`, "credential-process", "dev"], "win32")).toBe(`"C:\\R${c}D\\sesame.exe" credential-process dev`);
    }
    expect(commandLine(["C:\\bin\\sesame.exe", "credential-process", "a=b"], "win32")).toBe('C:\\bin\\sesame.exe credential-process "a=b"');
  });

  test("windows: % and \" cannot be protected from cmd.exe: refused with one line", () => {
    expect(() => commandLine(["C:\\100%\\sesame.exe"], "win32")).toThrow(/holds % or "/);
    expect(() => commandLine(['C:\\a"b\\sesame.exe'], "win32")).toThrow(/holds % or "/);
  });

  test("a word with a line break or another control character is refused on every platform", () => {
    for (const platform of ["linux", "darwin", "win32"]) {
      for (const bad of ["/tmp/x\n[profile pwn]", "/tmp/x\r", "/tmp/\x1b[31m", "/tmp/\x00", "/tmp/\u2028"]) {
        let err: unknown;
        try {
          commandLine(["/usr/bin/sesame", "credential-process", "dev", "--config", bad], platform);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(UsageError);
        expect((err as UsageError).toLine()).not.toContain("\n");
        expect((err as UsageError).toLine()).not.toContain("\x1b");
      }
    }
    // a tab is an ordinary character inside a value
    expect(commandLine(["/tmp/a\tb"], "linux")).toBe('"/tmp/a\tb"');
  });
});

describe("which catalog a managed block belongs to", () => {
  const block = (body: string) => {
    const doc = parseIni(`[profile p]\nsesame_managed = true\n${body}`);
    return ownerOf(doc, doc.sections[1]!, "/home/me/.config/sesame/sessions.toml");
  };
  test("sesame_catalog, else --config of its credential_process, else the default catalog; a hand-marked block has none", () => {
    expect(block("sesame_catalog = /w/work.toml\ncredential_process = sesame credential-process p\n")).toBe("/w/work.toml");
    expect(block("credential_process = '/opt/it'\\''s/sesame' credential-process p --config \"/my dir/c.toml\"\n")).toBe("/my dir/c.toml");
    expect(block("credential_process = /usr/bin/sesame credential-process p\n")).toBe("/home/me/.config/sesame/sessions.toml");
    expect(block("role_arn = arn:aws:iam::111111111111:role/R\n")).toBe("");
  });
  test("shellWords undoes every quoting commandLine writes", () => {
    const argv = ["/Users/Jane Doe/bin/sesame", "credential-process", "dev", "--config", "/tmp/it's $HOME/s.toml", "a\\b"];
    expect(shellWords(commandLine(argv, "linux"))).toEqual(argv);
  });
});
