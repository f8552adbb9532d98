import { proxy, transfer } from 'comlink';
import type { ClusterApi, ClusterProgress, ClusterSummary, NameResult, NamingRequest } from '../../../workers/cluster.worker';
import { handle, type WorkerHandle } from './worker-handle';
import type { NewVectors } from '../core/records';

export type { ClusterProgress, ClusterSummary, NameResult, NamingRequest };

/** Groups of similar photos and videos, computed and stored off the page's thread. */
export class Clusterer {
  #w: WorkerHandle<ClusterApi>;

  constructor() {
    this.#w = handle<ClusterApi>(new Worker(new URL('../../../workers/cluster.worker.ts', import.meta.url), { type: 'module', name: 'cluster' }));
  }

  init(modelKey: string, onProgress?: (p: ClusterProgress) => void): Promise<ClusterSummary[]> {
    return this.#w.api.init(modelKey, onProgress ? proxy(onProgress) : undefined);
  }

  /** Hands over a port of the embed worker (Embedder.connectPort()) for zero-shot names. */
  connectEmbed(port: MessagePort): void {
    void this.#w.api.connectEmbed(transfer(port, [port]));
  }

  /** `listener` gets the new list when names arrive in the background. */
  watch(listener: (clusters: ClusterSummary[]) => void): Promise<void> {
    return this.#w.api.watch(proxy(listener));
  }

  /** `given`: vectors the import handed over for some of `ids`, not read back. */
  assign(ids: string[], given?: NewVectors[]): Promise<ClusterSummary[]> {
    return this.#w.api.assign(ids, given);
  }

  /** Null when the clusters are not open yet (init then reads what the import stored). */
  adoptImported(ids: string[]): Promise<ClusterSummary[] | null> {
    return this.#w.api.adoptImported(ids);
  }

  removeAssets(ids: string[]): Promise<ClusterSummary[]> {
    return this.#w.api.removeAssets(ids);
  }

  recluster(onProgress?: (p: ClusterProgress) => void): Promise<ClusterSummary[]> {
    return this.#w.api.recluster(onProgress ? proxy(onProgress) : undefined);
  }

  list(): Promise<ClusterSummary[]> {
    return this.#w.api.list();
  }

  members(clusterId: string): Promise<string[]> {
    return this.#w.api.members(clusterId);
  }

  rename(clusterId: string, name: string): Promise<ClusterSummary[]> {
    return this.#w.api.rename(clusterId, name);
  }

  merge(clusterIds: string[]): Promise<ClusterSummary[]> {
    return this.#w.api.merge(clusterIds);
  }

  move(assetId: string, toClusterId: string): Promise<ClusterSummary[]> {
    return this.#w.api.move(assetId, toClusterId);
  }

  setHidden(clusterId: string, hidden: boolean): Promise<ClusterSummary[]> {
    return this.#w.api.setHidden(clusterId, hidden);
  }

  nameAutomatically(): Promise<ClusterSummary[]> {
    return this.#w.api.nameAutomatically();
  }

  namingRequests(force?: boolean): Promise<NamingRequest[]> {
    return this.#w.api.namingRequests(force);
  }

  applyName(r: NameResult): Promise<ClusterSummary[] | null> {
    return this.#w.api.applyName(r);
  }

  terminate(): void {
    this.#w.terminate();
  }
}
