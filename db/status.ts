// Status is computed, not trusted: an ACTIVE order whose expiration date has passed in
// California is EXPIRED in every answer, whether or not the expiry job has run yet.
// An order is in force through the whole of its expiration date.
import { localDate } from './dates.ts';

export type OrderStatus = 'ACTIVE' | 'EXPIRED' | 'CLEARED' | 'CANCELLED';

export function effectiveStatus(
  stored: OrderStatus,
  exp: string | null,
  now: Date,
  timeZone: string,
): OrderStatus {
  if (stored !== 'ACTIVE' || exp === null) return stored;
  return exp < localDate(now, timeZone) ? 'EXPIRED' : 'ACTIVE';
}
