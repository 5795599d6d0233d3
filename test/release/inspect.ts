// Reads a release binary's headers and finds the keyring addon it embeds, without running it: the only way
// to check the macOS and Windows binaries on a Linux machine, and a check the runnable ones must pass too.

export type Format = "elf" | "macho" | "pe";
export type Arch = "x64" | "arm64";

export interface Kind {
  format: Format;
  arch: Arch | `unknown machine ${number}`;
}

/** The executable format and CPU of a binary or shared library (ELF, 64-bit Mach-O, PE), from its header. */
export function kindOf(b: Uint8Array): Kind | undefined {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length >= 20 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) {
    const machine = v.getUint16(18, b[5] === 1);
    return { format: "elf", arch: machine === 0x3e ? "x64" : machine === 0xb7 ? "arm64" : `unknown machine ${machine}` };
  }
  if (b.length >= 8 && v.getUint32(0, true) === 0xfeedfacf) {
    const cpu = v.getUint32(4, true);
    return { format: "macho", arch: cpu === 0x01000007 ? "x64" : cpu === 0x0100000c ? "arm64" : `unknown machine ${cpu}` };
  }
  if (b.length >= 0x40 && b[0] === 0x4d && b[1] === 0x5a) {
    const pe = v.getUint32(0x3c, true);
    if (pe + 6 <= b.length && v.getUint32(pe, true) === 0x00004550) {
      const machine = v.getUint16(pe + 4, true);
      return { format: "pe", arch: machine === 0x8664 ? "x64" : machine === 0xaa64 ? "arm64" : `unknown machine ${machine}` };
    }
  }
  return undefined;
}

/** The platforms of the keyring addons named in a binary (Bun names an embedded file `keyring.<platform>-<hash>.node`). */
export function embeddedAddonNames(b: Uint8Array): string[] {
  const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
  return [...new Set([...text.matchAll(/keyring\.([a-z0-9]+-[a-z0-9]+(?:-(?:gnu|musl|msvc|gnueabihf))?)-[a-z0-9]{8}\.node/g)].map((m) => m[1]!))].sort();
}

/** An ELF file's program interpreter and DT_NEEDED libraries (64-bit little-endian only: all our targets). */
export function elfLinks(b: Uint8Array): { interpreter?: string; needed: string[] } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u64 = (o: number) => Number(v.getBigUint64(o, true));
  const cstr = (o: number) => Buffer.from(b.buffer, b.byteOffset + o, Math.min(4096, b.length - o)).toString("latin1").split("\0")[0]!;
  const phoff = u64(0x20);
  const phentsize = v.getUint16(0x36, true);
  const phnum = v.getUint16(0x38, true);
  const loads: Array<{ vaddr: number; offset: number; filesz: number }> = [];
  let interpreter: string | undefined;
  let dynamic: { offset: number; size: number } | undefined;
  for (let i = 0; i < phnum; i++) {
    const h = phoff + i * phentsize;
    const type = v.getUint32(h, true);
    const offset = u64(h + 8);
    if (type === 1) loads.push({ vaddr: u64(h + 16), offset, filesz: u64(h + 32) });
    if (type === 2) dynamic = { offset, size: u64(h + 32) };
    if (type === 3) interpreter = cstr(offset);
  }
  const needed: number[] = [];
  let strtab: number | undefined;
  for (let o = dynamic?.offset ?? 0; dynamic && o + 16 <= dynamic.offset + dynamic.size; o += 16) {
    const tag = u64(o);
    if (tag === 0) break;
    if (tag === 1) needed.push(u64(o + 8));
    if (tag === 5) strtab = u64(o + 8);
  }
  const seg = strtab === undefined ? undefined : loads.find((l) => strtab! >= l.vaddr && strtab! < l.vaddr + l.filesz);
  const strOffset = seg ? seg.offset + (strtab! - seg.vaddr) : undefined;
  return { interpreter, needed: strOffset === undefined ? [] : needed.map((n) => cstr(strOffset + n)) };
}

/** The libc an ELF executable (its interpreter) or shared object (its DT_NEEDED libc) is built for. */
export function linuxLibc(b: Uint8Array): "musl" | "glibc" | undefined {
  const { interpreter, needed } = elfLinks(b);
  if (interpreter) return /ld-musl-/.test(interpreter) ? "musl" : /ld-linux/.test(interpreter) ? "glibc" : undefined;
  if (needed.includes("libc.so.6")) return "glibc";
  if (needed.some((n) => n === "libc.so" || n.startsWith("libc.musl-"))) return "musl";
  return undefined;
}

export interface Expectation {
  format: Format;
  arch: Arch;
  /** "linux-arm64-gnu", "darwin-x64", "win32-x64-msvc" … */
  addon: string;
  musl?: boolean;
}

/**
 * What is wrong with a release binary, empty when nothing is: its format and CPU, the one keyring addon it
 * names (this platform's), the addon's bytes present in full, and the addon itself built for the same
 * format, CPU and (on Linux) libc.
 */
export function problems(binary: Uint8Array, addon: Uint8Array, want: Expectation): string[] {
  const out: string[] = [];
  const kind = kindOf(binary);
  if (!kind) out.push("not an ELF, Mach-O or PE executable");
  else if (kind.format !== want.format || kind.arch !== want.arch) out.push(`is ${kind.format} ${kind.arch}, expected ${want.format} ${want.arch}`);
  const names = embeddedAddonNames(binary);
  if (!names.includes(want.addon)) out.push(`embeds no keyring.${want.addon}.node (names: ${names.join(", ") || "none"})`);
  const others = names.filter((n) => n !== want.addon);
  if (others.length) out.push(`also names another platform's addon: ${others.join(", ")}`);
  if (Buffer.from(binary.buffer, binary.byteOffset, binary.byteLength).indexOf(Buffer.from(addon.buffer, addon.byteOffset, addon.byteLength)) < 0) {
    out.push(`does not contain the bytes of keyring.${want.addon}.node (${addon.length} bytes)`);
  }
  const addonKind = kindOf(addon);
  if (!addonKind || addonKind.format !== want.format || addonKind.arch !== want.arch) out.push(`its addon is ${addonKind ? `${addonKind.format} ${addonKind.arch}` : "not a native library"}, expected ${want.format} ${want.arch}`);
  if (want.format === "elf") {
    const libc = want.musl ? "musl" : "glibc";
    if (linuxLibc(binary) !== libc) out.push(`the binary does not link ${libc}`);
    if (linuxLibc(addon) !== libc) out.push(`its addon does not link ${libc}`);
  }
  return out;
}

export interface MachoSignature {
  /** CodeDirectory flag 0x2: signed without an identity. */
  adhoc: boolean;
  /** A CMS blob: signed with a certificate (a Developer ID, say). */
  certificate: boolean;
  /** Whether the signed hashes reach the signature itself, i.e. cover every byte of code before it. */
  coversFile: boolean;
}

/** The code signature of a 64-bit Mach-O file (LC_CODE_SIGNATURE → SuperBlob → CodeDirectory), if any. */
export function machoSignature(b: Uint8Array): MachoSignature | undefined {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(0, true) !== 0xfeedfacf) return undefined;
  const ncmds = v.getUint32(16, true);
  let at = 32;
  let sig: number | undefined;
  for (let i = 0; i < ncmds; i++) {
    if (v.getUint32(at, true) === 0x1d) sig = v.getUint32(at + 8, true);
    at += v.getUint32(at + 4, true);
  }
  if (sig === undefined || v.getUint32(sig) !== 0xfade0cc0) return undefined;
  const count = v.getUint32(sig + 8);
  let adhoc = false;
  let certificate = false;
  let codeLimit = 0;
  for (let i = 0; i < count; i++) {
    const blob = sig + v.getUint32(sig + 12 + 8 * i + 4);
    const magic = v.getUint32(blob);
    if (magic === 0xfade0b01) certificate = true;
    if (magic === 0xfade0c02 && v.getUint32(sig + 12 + 8 * i) === 0) {
      adhoc = (v.getUint32(blob + 12) & 0x2) !== 0;
      codeLimit = v.getUint32(blob + 32);
    }
  }
  return { adhoc, certificate, coversFile: codeLimit === sig };
}
