/** `berth system service` for a test root, on a socket in it; answers once the socket accepts. */
import { BERTH } from "./berth.ts";

export interface TestService {
  /** DOCKER_HOST value */
  host: string;
  /** the socket's path */
  path: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startTestService(root: string, name = "api-test.sock"): Promise<TestService> {
  const sock = `${root}/${name}`;
  const child = new Deno.Command(BERTH, { args: ["--root", root, "system", "service", "--time", "0", `unix://${sock}`], stdout: "null", stderr: "null" }).spawn();
  for (let i = 0; i < 200; i++) {
    try {
      (await Deno.connect({ transport: "unix", path: sock })).close();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return {
    host: `unix://${sock}`,
    path: sock,
    pid: child.pid,
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}
