// Exponential backoff with full jitter: the n-th failure waits a random time in [0, min(cap,
// base * 2^(n-1))). Many rows failing together (DOJ down) then come back spread out, not in step.

export interface RetryPolicy {
  baseMs: number;
  capMs: number;
}

export function retryDelay(attempts: number, p: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(p.capMs, p.baseMs * 2 ** Math.min(Math.max(attempts, 1) - 1, 40));
  return Math.floor(random() * ceiling);
}
