/** `berth.images`: pull, build, list, inspect, tag, push, remove and prune images of the client's root. */
import { pull, type PullResult } from "../image/pull.ts";
import { push, type PushResult } from "../image/push.ts";
import { build, type BuildOptions } from "../image/build.ts";
import { type ImageSummary, listImages } from "../image/list.ts";
import { type HistoryRow, imageHistory, type ImageInspect, inspectImage } from "../image/inspect.ts";
import { tagImage } from "../image/tag.ts";
import { removeImage } from "../image/remove.ts";
import { type ImagePruneResult, pruneImages } from "../image/prune.ts";
import type { ClientContext } from "./context.ts";

export class Images {
  constructor(readonly ctx: ClientContext) {}

  /** Pulls `reference` (`busybox`, `127.0.0.1:5000/app:1`, `…@sha256:…`); quiet unless `quiet: false`. */
  async pull(reference: string, opts: { platform?: string; quiet?: boolean } = {}): Promise<PullResult> {
    return await pull(reference, { quiet: true, ...opts, root: this.ctx.root, insecureRegistries: this.ctx.insecureRegistries });
  }

  /** Pushes the local image `reference` to the registry its name says. */
  async push(reference: string, opts: { quiet?: boolean } = {}): Promise<PushResult> {
    return await push(reference, { quiet: true, ...opts, root: this.ctx.root, insecureRegistries: this.ctx.insecureRegistries });
  }

  /**
   * Builds an image from a Dockerfile. Quiet by default: `say` hears the progress lines (Step 1/3 …) and a
   * failed RUN's output comes with the error.
   */
  async build(opts: Omit<BuildOptions, "root" | "insecureRegistries" | "announceContext">): Promise<{ id: string; tags: string[] }> {
    return await build({ quiet: !opts.say, say: () => {}, ...opts, root: this.ctx.root, insecureRegistries: this.ctx.insecureRegistries });
  }

  /** One entry per tag (untagged images once, as `<none>`), newest first. */
  list(): ImageSummary[] {
    return listImages(this.ctx.root);
  }

  /** `docker image inspect`'s object; a `NotFoundError` if there is no such image. */
  inspect(reference: string): ImageInspect {
    return inspectImage(this.ctx.root, reference);
  }

  history(reference: string): HistoryRow[] {
    return imageHistory(this.ctx.root, reference);
  }

  /** Gives `source` the name `target`; the full name it got. */
  async tag(source: string, target: string): Promise<string> {
    return await tagImage(this.ctx.root, source, target);
  }

  /** Removes a tag (and the image with its last one); Docker's "Untagged:"/"Deleted:" lines. */
  async remove(reference: string, opts: { force?: boolean } = {}): Promise<string[]> {
    return await removeImage(reference, { root: this.ctx.root, force: opts.force });
  }

  /** Removes the dangling images (with `all`, every image no container uses). */
  async prune(opts: { all?: boolean } = {}): Promise<ImagePruneResult> {
    return await pruneImages(this.ctx.root, !!opts.all);
  }
}
