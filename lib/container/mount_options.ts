/** `-v`, `--mount` and `--tmpfs` as Docker reads them. */
import { randomHexId } from "../util/random_id.ts";
import { join } from "../util/path.ts";
import { UsageError } from "../util/errors.ts";
import type { MountSpec } from "./spec.ts";

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function checkDestination(flag: string, d: string): string {
  if (!d.startsWith("/")) throw new UsageError(`invalid ${flag} specification: destination "${d}" is not an absolute path`);
  if (d === "/") throw new UsageError(`invalid ${flag} specification: destination can't be '/'`);
  return d.replace(/\/+$/, "");
}

/** A volume with a random 64-hex name, removed with its container by --rm. */
export function anonymousVolume(destination: string): MountSpec {
  return { type: "volume", source: randomHexId(), destination, readOnly: false, anonymous: true };
}

/** `-v SRC:DST[:OPTS]` or `-v DST` (an anonymous volume). */
export function parseVolumeFlag(spec: string): MountSpec {
  const parts = spec.split(":");
  if (parts.length === 1) {
    return anonymousVolume(checkDestination("volume", parts[0]));
  }
  if (parts.length > 3 || !parts[0] || !parts[1]) throw new UsageError(`invalid volume specification: '${spec}'`);
  const [src, dst, opts = ""] = parts;
  let readOnly = false;
  for (const o of opts.split(",").filter(Boolean)) {
    if (o === "ro") readOnly = true;
    else if (o === "rw") readOnly = false;
    else if (!["z", "Z", "nocopy", "private", "rprivate", "slave", "rslave", "shared", "rshared"].includes(o)) {
      throw new UsageError(`invalid volume specification: '${spec}': unknown option "${o}"`);
    }
  }
  const destination = checkDestination("volume", dst);
  if (src.startsWith("/")) return { type: "bind", source: src, destination, readOnly };
  // ./d and ../d are made absolute against the working directory, as Docker 23+ does
  if (src === "." || src === ".." || src.startsWith("./") || src.startsWith("../")) return { type: "bind", source: join(Deno.cwd(), src), destination, readOnly };
  if (!VOLUME_NAME.test(src)) {
    throw new UsageError(`"${src}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
  }
  return { type: "volume", source: src, destination, readOnly };
}

/** `--mount type=bind|volume|tmpfs,source=…,target=…[,readonly][,tmpfs-size=…][,tmpfs-mode=…]`. */
export function parseMountFlag(spec: string): MountSpec {
  const kv = new Map<string, string>();
  for (const field of spec.split(",")) {
    const i = field.indexOf("=");
    kv.set((i < 0 ? field : field.slice(0, i)).toLowerCase(), i < 0 ? "true" : field.slice(i + 1));
  }
  const type = kv.get("type") ?? "volume";
  if (type !== "bind" && type !== "volume" && type !== "tmpfs") {
    throw new UsageError(`invalid argument "${spec}" for "--mount" flag: unsupported mount type "${type}"`);
  }
  const target = kv.get("target") ?? kv.get("destination") ?? kv.get("dst");
  if (!target) throw new UsageError(`invalid argument "${spec}" for "--mount" flag: target is required`);
  const ro = kv.get("readonly") ?? kv.get("ro");
  const readOnly = ro !== undefined && ro !== "false" && ro !== "0";
  const source = kv.get("source") ?? kv.get("src") ?? "";
  const destination = checkDestination("mount", target);
  if (type === "bind") {
    if (!source.startsWith("/")) throw new UsageError(`invalid argument "${spec}" for "--mount" flag: bind source must be an absolute path`);
    return { type, source, destination, readOnly };
  }
  if (type === "tmpfs") {
    const data = ["size=" + (kv.get("tmpfs-size") ?? "65536k")];
    if (kv.has("tmpfs-mode")) data.push(`mode=${kv.get("tmpfs-mode")}`);
    return { type, source: "", destination, readOnly, data: data.join(",") };
  }
  if (!source) return { ...anonymousVolume(destination), readOnly };
  if (!VOLUME_NAME.test(source)) throw new UsageError(`invalid volume name "${source}"`);
  return { type, source, destination, readOnly };
}

/** `--tmpfs /dst[:size=64m,mode=1777,…]`. */
export function parseTmpfsFlag(spec: string): MountSpec {
  const i = spec.indexOf(":");
  const destination = checkDestination("tmpfs", i < 0 ? spec : spec.slice(0, i));
  const opts = (i < 0 ? "" : spec.slice(i + 1)).split(",").filter(Boolean);
  const readOnly = opts.includes("ro");
  const data = opts.filter((o) => !["ro", "rw", "noexec", "exec", "nosuid", "suid", "nodev", "dev"].includes(o));
  if (!data.some((o) => o.startsWith("size="))) data.push("size=65536k");
  return { type: "tmpfs", source: "", destination, readOnly, data: data.join(",") };
}
