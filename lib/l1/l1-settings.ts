/** One namespace's in-process tier, resolved from the `l1` option. */
export interface L1Settings {
  maxEntries: number;
  maxBytes: number;
  ttlMs: number;
  maxStalenessMs: number;
  /** 'auto': tracking when available, else ttl with a warning. */
  coherence: 'tracking' | 'ttl' | 'auto';
  clone: boolean;
}

/** What the tiers of one module need to know of its options: no more (l1 sits below the options layer). */
export interface L1ModuleSettings {
  namespace: string;
  /** false on the embedded store, where an in-process tier in front of an in-process store is pointless. */
  sharedStore: boolean;
  /** The module namespace's tier; undefined: off. */
  l1?: L1Settings;
  /** The tiers of the namespaces configured in `namespaces` (undefined: off there). */
  namespaceL1: ReadonlyMap<string, L1Settings | undefined>;
  operationTimeoutMs: number;
  /** The tag token memo (undefined: off): it runs on the same tracking, within this bound. */
  tokenMemo?: { maxStalenessMs: number };
}
