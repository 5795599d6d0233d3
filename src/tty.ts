// Prompts go to the controlling terminal, never to stdout (the credentials JSON) or stderr
// (which SDKs hide when they run a credential process). With no terminal there is no prompt:
// callers check hasTty() first, and promptLine() fails at once instead of waiting.
import { closeSync, openSync, writeSync } from "node:fs";
import process from "node:process";
import { ReadStream } from "node:tty";
import { NeedsInput } from "./errors.ts";

/** Ctrl-C, Ctrl-D or a terminal that went away while a prompt was waiting for an answer. */
export class PromptCancelled extends NeedsInput {
  constructor() {
    super("tty.cancelled", "the prompt was cancelled", "run the command again and answer the prompt");
  }
}

export interface PromptOptions {
  /** false for secrets: typed characters are not shown. */
  echo: boolean;
}

export interface TtyHandle {
  /** Writes the question on the terminal and reads one line from it. */
  promptLine(question: string, options: PromptOptions): Promise<string>;
  write(text: string): void;
  close(): void;
}

const WIN = process.platform === "win32";
/** What arrived after the end of the last answered line (a pasted block of two lines answers two prompts). */
let leftover = "";
const TTY_IN = WIN ? "\\\\.\\CONIN$" : "/dev/tty";
const TTY_OUT = WIN ? "\\\\.\\CONOUT$" : "/dev/tty";

function tryOpen(path: string, flags: string): number | undefined {
  try {
    return openSync(path, flags);
  } catch {
    return undefined; // ENXIO, ENOENT, EACCES...: no controlling terminal
  }
}

/** Set once a credentials server is serving: a renewal must fail fast, never wait on a person. */
let promptsForbidden = false;

/** From now on hasTty() is false and openTty() finds no terminal (sesame serve, exec --server). */
export function forbidPrompts(): void {
  promptsForbidden = true;
}

/** true when the process has a controlling terminal to prompt on. */
export function hasTty(): boolean {
  if (promptsForbidden) return false;
  const fd = tryOpen(TTY_IN, "r");
  if (fd === undefined) return false;
  closeSync(fd);
  return true;
}

/** The controlling terminal, or undefined when there is none. Close it when done. */
export function openTty(): TtyHandle | undefined {
  if (promptsForbidden) return undefined;
  const probe = tryOpen(TTY_IN, "r");
  if (probe === undefined) return undefined;
  closeSync(probe);
  const output = tryOpen(TTY_OUT, "w");
  if (output === undefined) return undefined;
  let closed = false;

  const write = (text: string): void => {
    if (!closed) writeSync(output, text);
  };

  return {
    write,
    close() {
      if (closed) return;
      closed = true;
      closeSync(output);
    },
    promptLine(question, { echo }) {
      const input = closed ? undefined : tryOpen(TTY_IN, "r");
      if (input === undefined) return Promise.reject(new PromptCancelled());
      // The stream owns the input descriptor and closes it when destroyed.
      const stream = new ReadStream(input);
      let line = "";
      let done = false;
      return new Promise<string>((resolve, reject) => {
        const rawOff = (): void => {
          try {
            stream.setRawMode(false);
          } catch {
            /* terminal gone */
          }
        };
        const finish = (): void => {
          done = true;
          stream.off("data", onData);
          stream.off("end", onEnd);
          stream.off("error", onEnd);
          process.off("exit", rawOff);
          rawOff();
          stream.destroy();
          write("\n"); // the terminal is cooked again: this is CR LF
        };
        const onEnd = (): void => {
          finish();
          reject(new PromptCancelled());
        };
        const onData = (chunk: string): void => {
          if (chunk.startsWith("\x1b")) return; // arrow keys and other escape sequences
          const chars = Array.from(chunk);
          for (let i = 0; i < chars.length; i++) {
            const ch = chars[i]!;
            switch (ch) {
              case "\r":
              case "\n": {
                const rest = chars.slice(i + 1).join("");
                leftover = ch === "\r" && rest.startsWith("\n") ? rest.slice(1) : rest;
                finish();
                resolve(line);
                return;
              }
              case "\x03": // Ctrl-C
                finish();
                reject(new PromptCancelled());
                return;
              case "\x04": // Ctrl-D on an empty line
                if (line === "") {
                  finish();
                  reject(new PromptCancelled());
                  return;
                }
                break;
              case "\x7f": // Backspace
              case "\b": {
                if (line === "") break;
                line = Array.from(line).slice(0, -1).join("");
                if (echo) write("\b \b");
                break;
              }
              case "\x15": // Ctrl-U: erase the line
                if (echo) write("\b \b".repeat(Array.from(line).length));
                line = "";
                break;
              default:
                if (ch < " ") break; // other control characters
                line += ch;
                if (echo) write(ch);
            }
          }
        };
        try {
          stream.setRawMode(true);
        } catch (e) {
          stream.destroy();
          reject(e);
          return;
        }
        process.on("exit", rawOff);
        // Raw mode (no echo) is on before the question appears, so nothing typed after it is echoed.
        write(question);
        if (leftover) {
          const early = leftover;
          leftover = "";
          onData(early);
          if (done) return;
        }
        stream.setEncoding("utf8");
        stream.on("data", onData);
        stream.on("end", onEnd);
        stream.on("error", onEnd);
      });
    },
  };
}

/** Asks one question on the controlling terminal; NeedsInput when there is no terminal. */
export async function promptLine(question: string, options: PromptOptions): Promise<string> {
  const tty = openTty();
  if (!tty) {
    throw new NeedsInput("tty.no-terminal", "sesame needs an answer but has no terminal to ask on", "run the command from a terminal");
  }
  try {
    return await tty.promptLine(question, options);
  } finally {
    tty.close();
  }
}
