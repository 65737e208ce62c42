/** The /etc/hostname, /etc/hosts and /etc/resolv.conf a container gets (bind-mounted from its directory). */
import { join } from "../util/path.ts";

export interface EtcFiles {
  hostname: string;
  hosts: string;
  resolvConf: string;
}

export interface EtcOptions {
  hostNetwork: boolean;
  /** `--add-host NAME:IP` lines, as "IP\tNAME" */
  extraHosts?: string[];
  /** the container's own address on its network: "IP\tHOSTNAME" is added, as Docker does */
  ip?: string;
  /** its network's gateway: what `--add-host NAME:host-gateway` names (the host itself on the host's network) */
  gateway?: string;
  /** `--dns`: these nameservers instead of the host's */
  dns?: string[];
  /** `--dns-search`, `--dns-option`: instead of the host's search and options lines */
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** other containers of its network: "IP\tNAME ALIAS…" lines */
  peers?: string[];
}

/**
 * The host's resolv.conf with nameservers a container can use (loopback ones do not work from another
 * network namespace), or `--dns`'s; `--dns-search` and `--dns-option` replace its search and options lines.
 */
export function resolvConf(hostNetwork: boolean, dns?: string[], search?: string[], options?: string[]): string {
  let text = hostResolvConf(hostNetwork, dns);
  if (search?.length) text = text.replace(/^\s*(search|domain)\s.*\n/gm, "") + `search ${search.join(" ")}\n`;
  if (options?.length) text = text.replace(/^\s*options\s.*\n/gm, "") + `options ${options.join(" ")}\n`;
  return text;
}

function hostResolvConf(hostNetwork: boolean, dns?: string[]): string {
  if (dns?.length) return dns.map((d) => `nameserver ${d}`).join("\n") + "\n";
  let text = "";
  try {
    text = Deno.readTextFileSync("/etc/resolv.conf");
  } catch { /* none on the host */ }
  if (hostNetwork) return text;
  const lines = text.split("\n").filter((l) => !/^\s*nameserver\s+(127\.|::1\s*$)/.test(l));
  if (!lines.some((l) => /^\s*nameserver\s/.test(l))) lines.push("nameserver 8.8.8.8", "nameserver 8.8.4.4");
  return lines.join("\n").trimEnd() + "\n";
}

export function hostsText(hostname: string, opts: EtcOptions): string {
  const lines = [
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "ff00::0\tip6-mcastprefix",
    "ff02::1\tip6-allnodes",
    "ff02::2\tip6-allrouters",
    ...(opts.extraHosts ?? []).map((l) => l.replace(/^host-gateway\t/, `${opts.hostNetwork ? "127.0.0.1" : opts.gateway ?? "127.0.0.1"}\t`)),
  ];
  if (opts.ip) lines.push(`${opts.ip}\t${hostname}`);
  lines.push(...(opts.peers ?? []));
  return lines.join("\n") + "\n";
}

export function etcPaths(dir: string): EtcFiles {
  return { hostname: join(dir, "hostname"), hosts: join(dir, "hosts"), resolvConf: join(dir, "resolv.conf") };
}

export function writeEtcFiles(dir: string, hostname: string, opts: EtcOptions): EtcFiles {
  const files = etcPaths(dir);
  Deno.writeTextFileSync(files.hostname, hostname + "\n");
  Deno.writeTextFileSync(files.hosts, hostsText(hostname, opts));
  Deno.writeTextFileSync(files.resolvConf, resolvConf(opts.hostNetwork, opts.dns, opts.dnsSearch, opts.dnsOptions));
  return files;
}
