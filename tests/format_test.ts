/**
 * Issue 15 (in part): `--format` with Go templates as Docker documents them — `ps`, `images`, `inspect -f`,
 * `stats`, `history`, `network ls|inspect`, `volume ls|inspect`, `info`, `version`, `events` (with --since, --until,
 * --filter, following): fields, nested fields, `.Label`, `json`, `join`, `table`
 * with a header from the fields named; a bad template is a clear error (exit 125).
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { BERTH, berth } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";

Deno.test({ name: "format: Go templates on ps, images, inspect, network and volume, table headers, bad templates", ...PROC, fn: async () => {
  const { root, base } = await runImages();
  const b = (args: string[]) => berth(root, args);
  const t0 = Math.floor(Date.now() / 1000) - 1;
  const run = await b(["run", "-d", "--name", "fmt-web", "--network", "none", "--label", "app=shop", "-l", "tier=front", base, "sleep", "60"]);
  assertEquals(run.code, 0, run.stderr);
  const id = run.stdout.trim();
  try {
    // ps: fields, a method with an argument, Docker's table header from the fields named
    assertEquals((await b(["ps", "--filter", "name=fmt-web", "--format", "{{.ID}} {{.Names}} {{.State}}"])).stdout, `${id.slice(0, 12)} fmt-web running\n`);
    assertEquals((await b(["ps", "--filter", "name=fmt-web", "--format", '{{.Label "app"}}/{{.Label "tier"}}'])).stdout, "shop/front\n");
    const table = (await b(["ps", "--filter", "name=fmt-web", "--format", "table {{.ID}}\\t{{.Names}}\\t{{.Labels}}"])).stdout.split("\n");
    assertMatch(table[0], /^CONTAINER ID {3,}NAMES {3,}LABELS$/);
    assertMatch(table[1], new RegExp(`^${id.slice(0, 12)} {3,}fmt-web {3,}app=shop,tier=front$`));
    assertEquals((await b(["ps", "--filter", "name=fmt-web", "--format", "table"])).stdout.split("\n")[0].split(/ {3,}/)[0], "CONTAINER ID");

    // inspect -f: nested fields, json, range over a map, --type
    const pid = (await b(["inspect", "-f", "{{.State.Pid}}", "fmt-web"])).stdout.trim();
    assert(Number(pid) > 0 && Deno.statSync(`/proc/${pid}`).isDirectory, pid);
    assertEquals(JSON.parse((await b(["inspect", "--format", "{{json .Config.Labels}}", "fmt-web"])).stdout), { app: "shop", tier: "front" });
    assertEquals((await b(["inspect", "-f", "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}", "fmt-web"])).stdout, "app=shop tier=front \n");
    assertEquals((await b(["inspect", "-f", "{{.Name}} {{if .State.Running}}up{{else}}down{{end}}", "fmt-web"])).stdout, "/fmt-web up\n");
    const img = await b(["inspect", "--type", "image", "-f", "{{.Id}}", base]);
    assertMatch(img.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assertMatch((await b(["inspect", "--type", "image", "fmt-web"])).stderr, /No such object: fmt-web/);

    // stats and history
    assertEquals((await b(["stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "fmt-web"])).stdout, "fmt-web 1\n");
    assertMatch((await b(["stats", "--no-stream", "--format", "table {{.Name}}\t{{.MemUsage}}", "fmt-web"])).stdout, /^NAME {3,}MEM USAGE \/ LIMIT\nfmt-web {3,}\S/);
    assertMatch((await b(["history", "--format", "{{.ID}}|{{.Size}}", base])).stdout, /^[0-9a-f]{12}\|\d/);

    // images, networks, volumes
    assertMatch((await b(["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"])).stdout, /\/rt:base [0-9a-f]{12}\n/);
    assertMatch((await b(["images", "--format", "table {{.Repository}}\\t{{.ID}}"])).stdout, /^REPOSITORY {3,}IMAGE ID\n/);
    assertMatch((await b(["network", "ls", "--format", "{{.Name}}/{{.Driver}}"])).stdout, /^bridge\/bridge$/m);
    assertEquals((await b(["network", "create", "fmt-net"])).code, 0);
    assertEquals((await b(["network", "inspect", "-f", "{{.Name}} {{.Driver}}", "fmt-net"])).stdout, "fmt-net bridge\n");
    assertEquals((await b(["volume", "create", "--label", "k=v", "fmt-vol"])).code, 0);
    assertEquals((await b(["volume", "ls", "--filter", "name=fmt-vol", "--format", "{{.Name}} {{.Driver}} {{.Labels}}"])).stdout, "fmt-vol local k=v\n");
    assertMatch((await b(["volume", "inspect", "-f", "{{.Mountpoint}}", "fmt-vol"])).stdout, /\/volumes\/fmt-vol\/_data\n$/);

    // info and version, as docker's
    assert(Number((await b(["info", "--format", "{{.ContainersRunning}}"])).stdout) >= 1);
    assertMatch((await b(["info"])).stdout, /^Server:\n Containers: \d+\n {2}Running: \d+\n[\s\S]* Cgroup Version: [12]\n/);
    assertEquals((await b(["version", "--format", "{{.Server.ApiVersion}} {{.Client.ApiVersion}}"])).stdout, "1.41 1.41\n");
    assertMatch((await b(["version"])).stdout, /^Client:\n Version: +\S+\n[\s\S]*\nServer: berth\n Engine:\n {2}Version: /);

    // events: those kept since a time, until a time, filtered; Docker's line, or a template
    const until = String(Math.ceil(Date.now() / 1000) + 1);
    const ev = await b(["events", "--since", String(t0), "--until", until, "--filter", "container=fmt-web", "--format", "{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.app}}"]);
    assertEquals(ev.stdout, "create fmt-web shop\nstart fmt-web shop\n");
    const line = (await b(["events", "--since", "10m", "--until", until, "--filter", "event=start", "--filter", "label=tier=front"])).stdout;
    assertMatch(line, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z container start ${id} \\(app=shop, image=${base.replace(/[.:/]/g, "\\$&")}, name=fmt-web, tier=front\\)\n$`));
    // following: a container's end shows up as it happens
    const follow = new Deno.Command(BERTH, { args: ["--root", root, "events", "--filter", "event=die", "--format", "{{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}"], stdout: "piped" }).spawn();
    await new Promise((r) => setTimeout(r, 500));
    assertEquals((await b(["run", "--rm", "--name", "fmt-once", "--network", "none", base, "sh", "-c", "exit 3"])).code, 3);
    const reader = follow.stdout.getReader();
    const got = new TextDecoder().decode((await reader.read()).value);
    follow.kill("SIGTERM");
    reader.releaseLock();
    await follow.stdout.cancel().catch(() => {});
    await follow.status;
    assertEquals(got, "fmt-once 3\n");

    // a template that does not parse, or fails on the data: a clear error, exit 125
    const bad = await b(["ps", "--format", "{{.Names"]);
    assertEquals(bad.code, 125);
    assertMatch(bad.stderr, /berth: template parsing error: template: unclosed action/);
    const fn = await b(["inspect", "-f", "{{nosuch .Name}}", "fmt-web"]);
    assertEquals(fn.code, 125);
    assertMatch(fn.stderr, /function "nosuch" not defined/);
  } finally {
    await b(["rm", "-f", "fmt-web"]);
    await b(["volume", "rm", "fmt-vol"]);
    await b(["network", "rm", "fmt-net"]);
  }
} });
