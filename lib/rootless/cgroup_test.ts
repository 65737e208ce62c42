import { assertEquals, assertMatch } from "../../tests/helpers/assert.ts";
import { delegatedCgroup } from "./cgroup.ts";

const NOBODY = 65534;

/** A fake cgroup v2 mount: `a` is the host's, `a/b` and `a/b/c` the user's (this test runs as root: "us"). */
function tree(): { mount: string; proc: string } {
  const mount = Deno.makeTempDirSync({ prefix: "berth-test-cgroup-" });
  Deno.writeTextFileSync(`${mount}/cgroup.controllers`, "cpu memory pids\n");
  for (const dir of ["a", "a/b", "a/b/c"]) {
    Deno.mkdirSync(`${mount}/${dir}`);
    for (const f of ["cgroup.procs", "cgroup.subtree_control"]) Deno.writeTextFileSync(`${mount}/${dir}/${f}`, "");
  }
  for (const f of ["", "/cgroup.procs", "/cgroup.subtree_control"]) Deno.chownSync(`${mount}/a${f}`, NOBODY, NOBODY);
  Deno.writeTextFileSync(`${mount}/proc-cgroup`, "0::/a/b/c\n");
  return { mount, proc: `${mount}/proc-cgroup` };
}

Deno.test("delegatedCgroup: the highest of the user's own cgroups above the holder's", () => {
  const { mount, proc } = tree();
  try {
    assertEquals(delegatedCgroup(mount, proc), { dir: `${mount}/a/b` });
    // a cgroup.procs of somebody else's breaks the chain: the holder's own cgroup is not the user's
    Deno.chownSync(`${mount}/a/b/c/cgroup.procs`, NOBODY, NOBODY);
    assertMatch((delegatedCgroup(mount, proc) as { why: string }).why, /no cgroup is delegated .* made in \/a\/b\/c, which is not the user's/);
  } finally {
    Deno.removeSync(mount, { recursive: true });
  }
});

Deno.test("delegatedCgroup: a delegated root with processes and no controllers handed down cannot be used", () => {
  const { mount, proc } = tree();
  try {
    Deno.writeTextFileSync(`${mount}/a/b/cgroup.procs`, "4242\n");
    assertMatch((delegatedCgroup(mount, proc) as { why: string }).why, /the delegated cgroup \/a\/b holds processes of its own.*start berth from a child cgroup/);
    Deno.writeTextFileSync(`${mount}/a/b/cgroup.subtree_control`, "memory pids\n");
    assertEquals(delegatedCgroup(mount, proc), { dir: `${mount}/a/b` });
  } finally {
    Deno.removeSync(mount, { recursive: true });
  }
});

Deno.test("delegatedCgroup: none on cgroup v1, nor without the holder's cgroup", () => {
  const { mount, proc } = tree();
  try {
    assertMatch((delegatedCgroup(mount, `${mount}/missing`) as { why: string }).why, /^rootless: no cgroup is delegated to this user/);
    Deno.removeSync(`${mount}/cgroup.controllers`);
    assertMatch((delegatedCgroup(mount, proc) as { why: string }).why, /this host has cgroup v1$/);
  } finally {
    Deno.removeSync(mount, { recursive: true });
  }
});
