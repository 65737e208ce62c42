/**
 * Run as its own process by ffi_namespaces_test.ts: enters new UTS and mount namespaces on the JS
 * thread, proves a spawned child lands in them, comes back, and prints what it saw as JSON.
 * Everything it makes dies with the namespaces when it exits.
 */
import * as nsx from "../../lib/ffi/namespaces.ts";

const dir = Deno.args[0];
const before = Deno.readLinkSync("/proc/thread-self/ns/uts");
const saved = nsx.saveNamespaces(["uts", "mnt"]);
nsx.unshare(nsx.CLONE_NEWUTS | nsx.CLONE_NEWNS);
nsx.mount(null, "/", null, nsx.MS_REC | nsx.MS_PRIVATE); // nothing we mount leaks to the host
nsx.sethostname("berth-probe");
nsx.mount("tmpfs", dir, "tmpfs", nsx.MS_NOSUID | nsx.MS_NODEV, "size=1m");
const inside = new TextDecoder().decode(
  new Deno.Command("sh", { args: ["-c", `hostname; grep -c ' ${dir} ' /proc/self/mountinfo`], stdout: "piped" })
    .outputSync().stdout,
);
const during = Deno.readLinkSync("/proc/thread-self/ns/uts");
nsx.restoreNamespaces(saved);
let bad = "";
try {
  nsx.unshare(0x10000000); // CLONE_NEWUSER: refused in a threaded process
} catch (err) {
  bad = (err as Error).message;
}
console.log(JSON.stringify({
  before,
  during,
  after: Deno.readLinkSync("/proc/thread-self/ns/uts"),
  inside: inside.trim().split("\n"),
  hostAfter: Deno.hostname(),
  mountedAfter: Deno.readTextFileSync("/proc/self/mountinfo").includes(` ${dir} `),
  newUser: bad,
}));
