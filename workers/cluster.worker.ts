/// <reference lib="webworker" />
import { expose, wrap, type Remote } from 'comlink';
import { openLibraryDb } from '../src/lib/db/db';
import { ClusterService, type ClusterProgress, type ClusterSummary, type NameResult, type NamingRequest } from '../src/lib/clustering/cluster-service';
import type { EmbedApi } from './embed.worker';
import type { NewVectors } from '../src/lib/core/records';

export type { ClusterProgress, ClusterSummary, NameResult, NamingRequest };

const service = new ClusterService(() => openLibraryDb());
let embed: Remote<EmbedApi> | null = null;

const api = {
  /** Opens the clusters of a model; clusters the library when it has vectors but no clusters yet. */
  init(modelKey: string, onProgress?: (p: ClusterProgress) => void): Promise<ClusterSummary[]> {
    return service.init(modelKey, onProgress);
  },

  /** The embed worker's port: text vectors for zero-shot names. */
  connectEmbed(port: MessagePort): void {
    embed = wrap<EmbedApi>(port);
    service.setTextEmbedder((text) => embed!.embedText(text));
  },

  /** Called with the new list whenever names arrive after a call already returned. */
  watch(listener: (clusters: ClusterSummary[]) => void): void {
    service.onChange(listener);
  },

  /** `given`: vectors the import handed over for some of `ids`, not read back. */
  assign(ids: string[], given?: NewVectors[]): Promise<ClusterSummary[]> {
    return service.assign(ids, given);
  },

  /** After an archive import: its stored clusters as they are, its other items by the incremental rule. */
  adoptImported(ids: string[]): Promise<ClusterSummary[] | null> {
    return service.adoptImported(ids);
  },

  removeAssets(ids: string[]): Promise<ClusterSummary[]> {
    return service.removeAssets(ids);
  },

  recluster(onProgress?: (p: ClusterProgress) => void): Promise<ClusterSummary[]> {
    return service.recluster(onProgress);
  },

  list(): Promise<ClusterSummary[]> {
    return service.list();
  },

  members(clusterId: string): Promise<string[]> {
    return service.members(clusterId);
  },

  rename(clusterId: string, name: string): Promise<ClusterSummary[]> {
    return service.rename(clusterId, name);
  },

  merge(clusterIds: string[]): Promise<ClusterSummary[]> {
    return service.merge(clusterIds);
  },

  move(assetId: string, toClusterId: string): Promise<ClusterSummary[]> {
    return service.move(assetId, toClusterId);
  },

  setHidden(clusterId: string, hidden: boolean): Promise<ClusterSummary[]> {
    return service.setHidden(clusterId, hidden);
  },

  nameAutomatically(): Promise<ClusterSummary[]> {
    return service.nameAutomatically();
  },

  namingRequests(force?: boolean): Promise<NamingRequest[]> {
    return service.namingRequests(force);
  },

  applyName(r: NameResult): Promise<ClusterSummary[] | null> {
    return service.applyName(r);
  },
};

export type ClusterApi = typeof api;
expose(api);
