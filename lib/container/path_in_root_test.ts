/**
 * Resolution inside a root from its fd: symlinks and `..` stay inside, FIFOs and devices are never
 * opened, missing parents are made inside. A hostile tree made here: links to `/`, to `../../..`, to a
 * host path, a FIFO where a file should be.
 */
import { assert, assertEquals } from "../../tests/helpers/assert.ts";
import { closeQuietly, fstat, isDirMode } from "../ffi/dir_fd.ts";
import { mkdirAllInRoot, openParentInRoot, readRegularInRoot, statInRoot, withRootFd } from "./path_in_root.ts";

async function hostileTree(fn: (root: string, outside: string) => void): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "berth-test-tree-" });
  const outside = await Deno.makeTempDir({ prefix: "berth-test-outside-" });
  try {
    Deno.writeTextFileSync(`${outside}/secret`, "HOST\n");
    Deno.mkdirSync(`${root}/etc`);
    Deno.writeTextFileSync(`${root}/etc/passwd`, "root:x:0:0::/root:/bin/sh\n");
    Deno.writeTextFileSync(`${root}/secret`, "INSIDE\n");
    Deno.symlinkSync("/", `${root}/slash`);
    Deno.symlinkSync("../../../../..", `${root}/up`);
    Deno.symlinkSync(outside, `${root}/abs`);
    Deno.symlinkSync(`${outside}/secret`, `${root}/abs-file`);
    new Deno.Command("mkfifo", { args: [`${root}/fifo`] }).outputSync();
    fn(root, outside);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
}

const text = (b: Uint8Array | null) => (b ? new TextDecoder().decode(b) : null);

Deno.test("path_in_root: links and .. resolve inside the root; a FIFO is never opened", () =>
  hostileTree((root, outside) => {
    withRootFd(root, (fd) => {
      assertEquals(text(readRegularInRoot(fd, "/slash/secret")), "INSIDE\n");
      assertEquals(text(readRegularInRoot(fd, "/up/secret")), "INSIDE\n");
      assertEquals(text(readRegularInRoot(fd, "/../../../secret")), "INSIDE\n");
      // the host path a link names is looked for inside the root, where it is not
      assertEquals(readRegularInRoot(fd, "/abs/secret"), null);
      assertEquals(readRegularInRoot(fd, "/abs-file"), null);
      assertEquals(readRegularInRoot(fd, `${outside}/secret`), null);
      // a FIFO: null at once (opening it would block)
      assertEquals(readRegularInRoot(fd, "/fifo"), null);
      assertEquals(text(readRegularInRoot(fd, "/etc/passwd")), "root:x:0:0::/root:/bin/sh\n");
      // lstat does not follow the last link; stat follows it inside
      assert(statInRoot(fd, "/slash", false)!.mode >> 12 === 0o12, "a symlink");
      assert(isDirMode(statInRoot(fd, "/slash")!.mode), "the root itself");
      const p = openParentInRoot(fd, "/up/etc/passwd")!;
      try {
        assertEquals(p.last, "passwd");
        assert(isDirMode(fstat(p.dirFd).mode));
      } finally {
        closeQuietly(p.dirFd);
      }
    });
  }));

Deno.test("path_in_root: mkdir -p through links stays inside the root", () =>
  hostileTree((root, outside) => {
    withRootFd(root, (fd) => {
      closeQuietly(mkdirAllInRoot(fd, "/abs/made/here"));
      closeQuietly(mkdirAllInRoot(fd, "/up/also"));
    });
    assertEquals([...Deno.readDirSync(outside)].map((e) => e.name), ["secret"]);
    assert(Deno.statSync(`${root}${outside}/made/here`).isDirectory, "the link's target made inside the root");
    assert(Deno.statSync(`${root}/also`).isDirectory);
  }));
