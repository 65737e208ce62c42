/** What every part of a `Berth` client shares. */
export interface ClientContext {
  /** the berth root (images, containers, networks, volumes) */
  root: string;
  /** registries spoken to over plain HTTP */
  insecureRegistries: string[];
}
