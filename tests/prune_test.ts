/**
 * Issue 15 (in part): `image prune`, `network prune`, `volume prune`, `system prune [--volumes]`, `system df`
 * and the `image` group, as Docker prints them — what a container uses (running or stopped) is never removed.
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { berth } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";

Deno.test({ name: "prune: images, networks, volumes and the system; system df; the image group", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const b = async (args: string[]) => {
    const r = await berth(root, args);
    assertEquals(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  await b(["run", "-d", "--name", "pr-keep", "--network", "none", base, "sleep", "60"]);
  try {
    // an untagged image (a commit without a name), a network and two volumes, one of them a stopped container's
    const dangling = (await b(["commit", "pr-keep"])).trim();
    assertMatch(dangling, /^sha256:[0-9a-f]{64}$/);
    await b(["network", "create", "pr-net"]);
    await b(["volume", "create", "pr-v1"]);
    const user = (await b(["create", "--name", "pr-user", "--network", "none", "-v", "pr-v2:/d", base, "true"])).trim();

    const img = await b(["image", "prune", "-f"]);
    assertMatch(img, new RegExp(`^Deleted Images:\\n(untagged: .*\\n)*deleted: ${dangling}\\n[\\s\\S]*\\nTotal reclaimed space: \\S+\\n$`));
    assertEquals((await berth(root, ["image", "inspect", dangling])).code, 1);
    assertEquals((await b(["image", "inspect", "-f", "{{.Id}}", base])).startsWith("sha256:"), true, "a tagged image stays");

    assertMatch(await b(["network", "prune", "-f"]), /^Deleted Networks:\npr-net\n$/);
    assertEquals(await b(["volume", "prune", "-f"]), "Deleted Volumes:\npr-v1\n\nTotal reclaimed space: 0B\n");
    assertEquals((await b(["volume", "ls", "--filter", "name=pr-v", "--format", "{{.Name}}"])), "pr-v2\n");

    const df = (await b(["system", "df"])).split("\n");
    assertMatch(df[0], /^TYPE {3,}TOTAL {3,}ACTIVE {3,}SIZE {3,}RECLAIMABLE$/);
    assertMatch(df[1], /^Images {3,}\d+ {3,}[1-9]\d* {3,}\S+ {3,}\S+/);
    assertMatch(df[2], /^Containers {3,}\d+ {3,}1 /);

    // the stopped container goes, then its volume with --volumes; the running one and its image stay
    const sys = await b(["system", "prune", "-f", "--volumes"]);
    assertMatch(sys, new RegExp(`^Deleted Containers:\\n${user}\\n\\nDeleted Volumes:\\npr-v2\\n\\nTotal reclaimed space: 0B\\n$`));
    assertEquals((await b(["ps", "--filter", "name=pr-keep", "--format", "{{.Names}}"])), "pr-keep\n");

    // the image group's other verbs are the top-level ones
    await b(["image", "tag", base, "pr-tagged:1"]);
    assertMatch(await b(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"]), /pr-tagged:1/);
    assertMatch(await b(["image", "rm", "pr-tagged:1"]), /Untagged: .*pr-tagged:1/);
    assert((await b(["image", "history", "-q", base])).length > 0);
  } finally {
    await berth(root, ["rm", "-f", "pr-keep", "pr-user"]);
  }
} });
