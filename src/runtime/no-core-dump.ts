// Core dumps of sesame would hold the secrets it handled (an IAM key, SSO tokens) in plain text. On Linux,
// turn them off for this process before any long-lived secret is loaded: prctl(PR_SET_DUMPABLE, 0) (also
// keeps other processes of the user from ptrace-attaching) and a soft RLIMIT_CORE of 0 (core_pattern and
// fs.suid_dumpable may still dump a non-dumpable process). The hard limit stays, so a command run by
// `exec` may raise its own soft limit again. Through bun:ffi in the Bun binary, Deno.dlopen under Deno
// (needs --allow-ffi; without it, or on other platforms, this is a no-op). Costs ~2 ms (TinyCC compiles
// the stubs), so the warm credential-process path does not call it.

const PR_SET_DUMPABLE = 4;
const RLIMIT_CORE = 4;
const LIBC = ["libc.so.6", "libc.so"];

let done: Promise<boolean> | undefined;

/** true when both calls succeeded. Never throws. */
export function disableCoreDumps(): Promise<boolean> {
  done ??= (async () => {
    if (process.platform !== "linux") return false;
    try {
      const g = globalThis as { Bun?: unknown; Deno?: DenoFfi };
      if (g.Bun) return await viaBun();
      if (g.Deno?.dlopen) return viaDeno(g.Deno);
    } catch { /* no FFI here: nothing to do */ }
    return false;
  })();
  return done;
}

async function viaBun(): Promise<boolean> {
  const spec = "bun:ffi"; // not a literal: Deno must not try to resolve it
  const ffi = (await import(spec)) as typeof import("bun:ffi");
  const { FFIType: T } = ffi;
  for (const name of LIBC) {
    let lib;
    try {
      lib = ffi.dlopen(name, {
        prctl: { args: [T.i32, T.u64, T.u64, T.u64, T.u64], returns: T.i32 },
        getrlimit: { args: [T.i32, T.ptr], returns: T.i32 },
        setrlimit: { args: [T.i32, T.ptr], returns: T.i32 },
      });
    } catch {
      continue;
    }
    try {
      const ok = lib.symbols.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) === 0;
      const lim = new BigUint64Array(2); // struct rlimit { rlim_cur, rlim_max }
      if (lib.symbols.getrlimit(RLIMIT_CORE, ffi.ptr(lim)) !== 0) return false;
      lim[0] = 0n;
      return lib.symbols.setrlimit(RLIMIT_CORE, ffi.ptr(lim)) === 0 && ok;
    } finally {
      lib.close();
    }
  }
  return false;
}

interface DenoFfi {
  dlopen(path: string, symbols: Record<string, { parameters: string[]; result: string }>): {
    symbols: Record<string, (...a: unknown[]) => number | bigint>;
    close(): void;
  };
}

function viaDeno(deno: DenoFfi): boolean {
  for (const name of LIBC) {
    let lib;
    try {
      lib = deno.dlopen(name, {
        prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
        getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
        setrlimit: { parameters: ["i32", "buffer"], result: "i32" },
      });
    } catch {
      continue;
    }
    try {
      const ok = lib.symbols.prctl!(PR_SET_DUMPABLE, 0n, 0n, 0n, 0n) === 0;
      const lim = new BigUint64Array(2);
      if (lib.symbols.getrlimit!(RLIMIT_CORE, lim) !== 0) return false;
      lim[0] = 0n;
      return lib.symbols.setrlimit!(RLIMIT_CORE, lim) === 0 && ok;
    } finally {
      lib.close();
    }
  }
  return false;
}
