// The in-process cache of the embedded default, where one process owns the registry.
import { LRUCache } from 'lru-cache';
import type { CacheLookup, InquiryCache } from './cache.ts';

export function createMemoryCache(opts: { maxEntries?: number; ttlSeconds: number }): InquiryCache {
  const entries = new LRUCache<string, string>({ max: opts.maxEntries ?? 50_000, ttl: opts.ttlSeconds * 1000 });
  // Entries are keyed by generation, so invalidating is one increment; old entries age out.
  const generations = new Map<string, number>();
  const gen = (bucket: string) => generations.get(bucket) ?? 0;
  const key = (bucket: string, g: number | string, field: string) => `${bucket}#${g}|${field}`;

  return {
    kind: 'memory',
    async get(bucket, field): Promise<CacheLookup> {
      const g = gen(bucket);
      return { value: entries.get(key(bucket, g, field)), generation: String(g) };
    },
    async put(bucket, field, value, generation) {
      if (String(gen(bucket)) === generation) entries.set(key(bucket, generation, field), value);
    },
    async invalidate(buckets) {
      for (const b of buckets) generations.set(b, gen(b) + 1);
    },
    async close() {
      entries.clear();
    },
  };
}
