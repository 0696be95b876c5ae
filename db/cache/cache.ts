// Cache-aside for inquiries. Answers are grouped in buckets (all name+DOB inquiries for one DOB,
// one PNO, one licence, ...); a write invalidates every bucket it touches. Each bucket has a
// generation: a reader notes it before asking the database and may store its answer only if no
// write has invalidated the bucket since, so a slow reader can never put back a stale answer.

export interface CacheLookup {
  /** The cached answer, when there is one. */
  value: string | undefined;
  /** Pass to put(): the bucket's generation when this lookup was made. */
  generation: string;
}

export interface InquiryCache {
  readonly kind: 'redis' | 'memory' | 'none';
  /** null: the cache cannot be trusted or reached now; ask the database and store nothing. */
  get(bucket: string, field: string): Promise<CacheLookup | null>;
  /** Stores an answer unless the bucket was invalidated after the lookup. Never throws. */
  put(bucket: string, field: string, value: string, generation: string): Promise<void>;
  /** Invalidates buckets after a committed write. Never throws; see each implementation. */
  invalidate(buckets: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** For a shared database with no Redis: no cache at all rather than one that goes stale. */
export const noCache: InquiryCache = {
  kind: 'none',
  get: async () => null,
  put: async () => {},
  invalidate: async () => {},
  close: async () => {},
};
