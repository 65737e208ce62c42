/** The /etc/hostname, /etc/hosts and /etc/resolv.conf a container gets (bind-mounted from its directory). */
import { join } from "../util/path.ts";

export interface EtcFiles {
  hostname: string;
  hosts: string;
  resolvConf: string;
}

/** Host nameservers a container can use: loopback ones do not work from another network namespace. */
function resolvConf(hostNetwork: boolean): string {
  let text = "";
  try {
    text = Deno.readTextFileSync("/etc/resolv.conf");
  } catch { /* none on the host */ }
  if (hostNetwork) return text;
  const lines = text.split("\n").filter((l) => !/^\s*nameserver\s+(127\.|::1\s*$)/.test(l));
  if (!lines.some((l) => /^\s*nameserver\s/.test(l))) lines.push("nameserver 8.8.8.8", "nameserver 8.8.4.4");
  return lines.join("\n").trimEnd() + "\n";
}

export function writeEtcFiles(dir: string, hostname: string, hostNetwork: boolean, extraHosts: string[] = []): EtcFiles {
  const files = { hostname: join(dir, "hostname"), hosts: join(dir, "hosts"), resolvConf: join(dir, "resolv.conf") };
  Deno.writeTextFileSync(files.hostname, hostname + "\n");
  const hosts = [
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "ff00::0\tip6-mcastprefix",
    "ff02::1\tip6-allnodes",
    "ff02::2\tip6-allrouters",
    ...extraHosts,
  ];
  Deno.writeTextFileSync(files.hosts, hosts.join("\n") + "\n");
  Deno.writeTextFileSync(files.resolvConf, resolvConf(hostNetwork));
  return files;
}
