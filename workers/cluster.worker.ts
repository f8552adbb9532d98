/// <reference lib="webworker" />
import { expose, wrap, type Remote } from 'comlink';
import { openLibraryDb } from '../src/lib/db/db';
import { ClusterStore, type ClusterProgress, type ClusterSummary, type NameResult, type NamingRequest } from '../src/lib/db/cluster-repo';
import type { EmbedApi } from './embed.worker';

export type { ClusterProgress, ClusterSummary, NameResult, NamingRequest };

const store = new ClusterStore(() => openLibraryDb());
let embed: Remote<EmbedApi> | null = null;

const api = {
  /** Opens the clusters of a model; clusters the library when it has vectors but no clusters yet. */
  init(modelKey: string, onProgress?: (p: ClusterProgress) => void): Promise<ClusterSummary[]> {
    return store.init(modelKey, onProgress);
  },

  /** The embed worker's port: text vectors for zero-shot names. */
  connectEmbed(port: MessagePort): void {
    embed = wrap<EmbedApi>(port);
    store.setTextEmbedder((text) => embed!.embedText(text));
  },

  /** Called with the new list whenever names arrive after a call already returned. */
  watch(listener: (clusters: ClusterSummary[]) => void): void {
    store.onChange(listener);
  },

  assign(ids: string[]): Promise<ClusterSummary[]> {
    return store.assign(ids);
  },

  /** After an archive import: its stored clusters as they are, its other items by the incremental rule. */
  adoptImported(ids: string[]): Promise<ClusterSummary[] | null> {
    return store.adoptImported(ids);
  },

  removeAssets(ids: string[]): Promise<ClusterSummary[]> {
    return store.removeAssets(ids);
  },

  recluster(onProgress?: (p: ClusterProgress) => void): Promise<ClusterSummary[]> {
    return store.recluster(onProgress);
  },

  list(): Promise<ClusterSummary[]> {
    return store.list();
  },

  members(clusterId: string): Promise<string[]> {
    return store.members(clusterId);
  },

  rename(clusterId: string, name: string): Promise<ClusterSummary[]> {
    return store.rename(clusterId, name);
  },

  merge(clusterIds: string[]): Promise<ClusterSummary[]> {
    return store.merge(clusterIds);
  },

  move(assetId: string, toClusterId: string): Promise<ClusterSummary[]> {
    return store.move(assetId, toClusterId);
  },

  setHidden(clusterId: string, hidden: boolean): Promise<ClusterSummary[]> {
    return store.setHidden(clusterId, hidden);
  },

  nameAutomatically(): Promise<ClusterSummary[]> {
    return store.nameAutomatically();
  },

  namingRequests(force?: boolean): Promise<NamingRequest[]> {
    return store.namingRequests(force);
  },

  applyName(r: NameResult): Promise<ClusterSummary[] | null> {
    return store.applyName(r);
  },
};

export type ClusterApi = typeof api;
expose(api);
