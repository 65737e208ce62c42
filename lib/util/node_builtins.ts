/**
 * Node built-ins loaded on first use. In Deno, `node:crypto`, `node:zlib` and `node:fs` each add
 * ~15 ms to start-up; commands that neither hash nor decompress (and `berth run`'s hot path) must not
 * pay for them.
 */
type Crypto = typeof import("node:crypto");
type Zlib = typeof import("node:zlib");
type Fs = typeof import("node:fs");

let crypto: Promise<Crypto> | undefined;
let zlib: Promise<Zlib> | undefined;
let fs: Promise<Fs> | undefined;

export function nodeCrypto(): Promise<Crypto> {
  return crypto ??= import("node:crypto");
}

export function nodeZlib(): Promise<Zlib> {
  return zlib ??= import("node:zlib");
}

export function nodeFs(): Promise<Fs> {
  return fs ??= import("node:fs");
}
