/** Which software versions run in the mesh, as far as this node sees: its own and its linked peers'. */
export interface SoftwareVersions {
  /** Every version seen, each once, sorted. */
  software: string[];
  /** True when more than one version runs: a rolling update in progress, or a node left behind. */
  mixed: boolean;
}

/** The versions of this node (`own`) and of its linked peers' hellos (`peers`). */
export function softwareVersions(own: string, peers: readonly string[]): SoftwareVersions {
  const software = [...new Set([own, ...peers])].sort();
  return { software, mixed: software.length > 1 };
}
