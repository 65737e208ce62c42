/**
 * Issue 13 (in part): docker-compose 1.29 (Debian's) against `berth system service`: a two-service file
 * with a network and a volume — up -d, ps, logs, the services reaching each other by name, exec, a
 * volume shared through a restart, and down -v leaving nothing of the project behind.
 */
import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { berth } from "./helpers/berth.ts";
import { PROC } from "./helpers/fixtures.ts";
import { runImages } from "./helpers/run_images.ts";
import { startTestService } from "./helpers/service.ts";

const COMPOSE = ["/usr/bin/docker-compose"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

Deno.test({ name: "compose: up, ps, logs, names between services, exec, down -v through berth's API", ...PROC, ignore: !COMPOSE, fn: async () => {
  const { root, base } = await runImages();
  const svc = await startTestService(root, "compose-test.sock");
  const dir = await Deno.makeTempDir({ prefix: "berth-test-compose-" });
  const compose = async (args: string[], code = 0) => {
    const r = await new Deno.Command(COMPOSE!, { args: ["-p", "bt", ...args], cwd: dir, env: { DOCKER_HOST: svc.host, COMPOSE_INTERACTIVE_NO_CLI: "1" }, stdout: "piped", stderr: "piped" }).output();
    const o = { stdout: new TextDecoder().decode(r.stdout), stderr: new TextDecoder().decode(r.stderr) };
    assertEquals(r.code, code, `docker-compose ${args.join(" ")}: ${o.stdout}${o.stderr}`);
    return o;
  };
  try {
    await Deno.writeTextFile(`${dir}/docker-compose.yml`, `version: "3.8"
services:
  web:
    image: ${base}
    command: sh -c "mkdir -p /www && cat /data/count 2>/dev/null; echo from-web > /www/index.html && echo 1 >> /data/count && echo web up && exec httpd -f -p 80 -h /www"
    networks: [back]
    volumes: [data:/data]
    labels: { role: front }
    stop_grace_period: 1s
  client:
    image: ${base}
    command: sh -c "sleep 1; wget -qO- http://web/; echo client done; exec sleep 60"
    networks: [back]
    depends_on: [web]
    stop_grace_period: 1s
networks:
  back: {}
volumes:
  data: {}
`);
    await compose(["up", "-d"]);
    const ps = (await compose(["ps"])).stdout;
    assertMatch(ps, /bt_web_1\s[\s\S]*Up/);
    assertMatch(ps, /bt_client_1\s[\s\S]*Up/);
    await new Promise((r) => setTimeout(r, 2000));
    const logs = (await compose(["logs", "--no-color"])).stdout;
    assertMatch(logs, /web_1\s+\| web up/);
    assertMatch(logs, /client_1\s+\| from-web\n[\s\S]*client_1\s+\| client done/);
    assertEquals((await compose(["exec", "-T", "client", "wget", "-qO-", "http://web/"])).stdout, "from-web\n");
    // berth's CLI sees the project's containers with compose's labels
    const labelled = (await berth(root, ["ps", "--filter", "label=com.docker.compose.project=bt", "--format", "json"])).stdout;
    assertMatch(labelled, /bt_web_1/);
    assertMatch(labelled, /bt_client_1/);
    await compose(["restart", "web"]);
    await new Promise((r) => setTimeout(r, 1000));
    assertMatch((await compose(["logs", "--no-color", "web"])).stdout, /web_1\s+\| 1\n/); // the volume kept the first run's line
    await compose(["down", "-v"]);
    assertEquals((await berth(root, ["ps", "-aq"])).stdout, "");
    assertEquals((await berth(root, ["volume", "ls", "-q"])).stdout.includes("bt_data"), false);
    assertEquals((await berth(root, ["network", "ls"])).stdout.includes("bt_back"), false);
  } finally {
    // whatever failed above, the project goes (its exit code no longer matters)
    await new Deno.Command(COMPOSE!, { args: ["-p", "bt", "down", "-v"], cwd: dir, env: { DOCKER_HOST: svc.host }, stdout: "null", stderr: "null" }).output();
    await svc.stop();
    await Deno.remove(dir, { recursive: true });
  }
} });
