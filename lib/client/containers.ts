/**
 * `berth.containers`: create, run, list and find containers; a {@link Container} handle for one of them.
 * The same engine functions as `berth run|ps|stop|logs|exec…`, so what a script does `berth ps` shows.
 */
import { createContainer, type RunOptions } from "../container/create.ts";
import { run } from "../container/run.ts";
import { startDetached } from "../container/supervisor_client.ts";
import { getContainer, killContainer, pauseContainer, pruneContainers, removeContainer, renameContainer, stopContainer, waitContainer } from "../container/lifecycle.ts";
import { inspectRecord } from "../container/describe.ts";
import { type ContainerSummary, containerSummaries } from "../container/summary.ts";
import { streamLogs } from "../container/log_follow.ts";
import type { LogEntry } from "../container/logs.ts";
import { execInContainer } from "../container/exec.ts";
import { type ContainerUpdate, updateContainer } from "../container/update.ts";
import type { ClientContext } from "./context.ts";

/** What `docker run`/`docker create` take, by the names of {@link RunOptions} (`command`, `env`, `publish`, …). */
export type ContainerOptions = Omit<RunOptions, "root" | "stdio" | "detach" | "insecureRegistries" | "quiet" | "cidfile">;

/** A foreground run's end: its exit and everything it wrote. */
export interface RunOutput {
  id: string;
  exitCode: number;
  oomKilled: boolean;
  stdout: string;
  stderr: string;
}

/** What a command run with {@link Container.exec} gave back. */
export interface ExecOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class Containers {
  constructor(readonly ctx: ClientContext) {}

  /**
   * Runs a container. Without `detach`, waits for it and returns its exit code and output (the container
   * is kept unless `rm`, as Docker's); with `detach: true`, berth's supervisor starts it and this returns
   * its handle at once — the container keeps running when the script ends.
   */
  run(image: string, opts: ContainerOptions & { detach: true }): Promise<Container>;
  run(image: string, opts?: ContainerOptions & { detach?: false }): Promise<RunOutput>;
  async run(image: string, opts: ContainerOptions & { detach?: boolean } = {}): Promise<Container | RunOutput> {
    const { detach, ...rest } = opts;
    if (detach) {
      const c = await this.create(image, rest);
      await c.start();
      return c;
    }
    const c = await run(image, { ...this.#options(rest), stdio: { stdout: "piped", stderr: "piped" } });
    const [stdout, stderr, status] = await Promise.all([new Response(c.stdout).text(), new Response(c.stderr).text(), c.status]);
    return { id: c.id, exitCode: status.exitCode, oomKilled: status.oomKilled, stdout, stderr };
  }

  /** Creates a container (status "created"); start it with {@link Container.start}. */
  async create(image: string, opts: ContainerOptions = {}): Promise<Container> {
    const spec = await createContainer(image, { ...this.#options(opts), detach: true });
    return new Container(this.ctx, spec.id, spec.name);
  }

  /** The container `ref` (an ID, a unique ID prefix or a name); a `NotFoundError` if there is none. */
  async get(ref: string): Promise<Container> {
    const rec = await getContainer(this.ctx.root, ref);
    return new Container(this.ctx, rec.spec.id, rec.spec.name);
  }

  /** Docker's list entries, newest first: the running ones, or `all`; `filters` as `docker ps --filter`. */
  async list(opts: { all?: boolean; filters?: string[] } = {}): Promise<ContainerSummary[]> {
    return await containerSummaries(this.ctx.root, opts);
  }

  /** Removes every stopped container; their IDs. */
  async prune(): Promise<string[]> {
    return await pruneContainers(this.ctx.root);
  }

  #options(opts: ContainerOptions): RunOptions {
    return { quiet: true, ...opts, root: this.ctx.root, insecureRegistries: this.ctx.insecureRegistries };
  }
}

/** One container, by its ID. Each call reads the container's record afresh. */
export class Container {
  constructor(readonly ctx: ClientContext, readonly id: string, readonly name: string) {}

  /** `docker inspect`'s object. */
  async inspect(): Promise<Record<string, unknown>> {
    return inspectRecord(this.ctx.root, await getContainer(this.ctx.root, this.id));
  }

  /** Starts it under berth's supervisor (nothing to do if it runs). */
  async start(): Promise<void> {
    const rec = await getContainer(this.ctx.root, this.id);
    if (rec.state.status !== "running") await startDetached(this.ctx.root, this.id);
  }

  /** Its stop signal, then SIGKILL after `timeout` seconds (default: its own, else 10). */
  async stop(opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    await stopContainer(this.ctx.root, this.id, opts.timeout, opts.signal);
  }

  async restart(opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    await stopContainer(this.ctx.root, this.id, opts.timeout, opts.signal);
    await startDetached(this.ctx.root, this.id);
  }

  async kill(signal = "SIGKILL"): Promise<void> {
    await killContainer(this.ctx.root, this.id, signal);
  }

  async pause(): Promise<void> {
    pauseContainer(this.ctx.root, await getContainer(this.ctx.root, this.id), true);
  }

  async unpause(): Promise<void> {
    pauseContainer(this.ctx.root, await getContainer(this.ctx.root, this.id), false);
  }

  /** Waits until it has exited; its exit code. */
  async wait(): Promise<number> {
    return await waitContainer(this.ctx.root, this.id);
  }

  /** Removes it: `force` kills it first if it runs, `volumes` removes its anonymous volumes. */
  async remove(opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await removeContainer(this.ctx.root, this.id, opts);
  }

  async rename(newName: string): Promise<void> {
    await renameContainer(this.ctx.root, this.id, newName);
  }

  /** Changes its limits (and restart policy), running or not, as `docker update`. */
  async update(change: ContainerUpdate): Promise<void> {
    await updateContainer(this.ctx.root, this.id, change);
  }

  /**
   * Its log entries (json-file), oldest first; with `follow`, new ones as they come until it stops.
   * `since`/`until`: a timestamp or a duration before now (`10m`).
   */
  logs(opts: { follow?: boolean; tail?: number; since?: string; until?: string; signal?: AbortSignal } = {}): AsyncGenerator<LogEntry> {
    return streamLogs(this.ctx.root, this.id, opts);
  }

  /** Runs a command in it and waits: exit code and output (`stdin`, if given, is written to the command). */
  async exec(command: string[], opts: { env?: string[]; user?: string; workdir?: string; privileged?: boolean; stdin?: string } = {}): Promise<ExecOutput> {
    const { stdin, ...rest } = opts;
    const p = await execInContainer(this.id, {
      ...rest,
      root: this.ctx.root,
      command,
      interactive: stdin !== undefined,
      stdio: { stdin: stdin !== undefined ? "piped" : "null", stdout: "piped", stderr: "piped" },
    });
    if (p.stdin) {
      const w = p.stdin.getWriter();
      await w.write(new TextEncoder().encode(stdin));
      await w.close();
    }
    const [stdout, stderr, status] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.status]);
    return { exitCode: status.exitCode, stdout, stderr };
  }
}
