// SQL of store and forward (issue 6): messages kept until written to a live connection.
import type { Database } from './database.ts';

export interface StoredMessage {
  id: number;
  toOri: string;
  toTerminal: string | null;
  mke: string;
  status: 'MSG' | 'NOTE';
  body: string[];
  createdAt: Date;
}

type Row = { id: number; to_ori: string; to_terminal: string | null; mke: string; status: 'MSG' | 'NOTE'; body: string[]; created_at: Date };
const toMessage = (r: Row): StoredMessage => ({ id: r.id, toOri: r.to_ori, toTerminal: r.to_terminal, mke: r.mke, status: r.status, body: r.body, createdAt: r.created_at });
const COLUMNS = `id::int AS id, to_ori, to_terminal, mke, status, body, created_at`;

export async function storeMessage(db: Database, m: Omit<StoredMessage, 'id'>): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO terminal_messages (to_ori, to_terminal, mke, status, body, created_at) VALUES ($1, $2, $3, $4, $5::text[], $6) RETURNING id::int AS id`,
    [m.toOri, m.toTerminal, m.mke, m.status, m.body, m.createdAt],
  );
  return rows[0]!.id;
}

export async function findMessage(db: Database, id: number): Promise<StoredMessage | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM terminal_messages WHERE id = $1 AND delivered_at IS NULL`, [id]);
  return rows[0] && toMessage(rows[0]);
}

/**
 * Claims, oldest first, the waiting messages of some ORIs for one terminal for `leaseMs` (a claim
 * that is not followed by a delivery runs out and the message waits again). `olderThan`: only
 * messages created before it (the sweep leaves fresh ones to live delivery).
 */
export async function claimWaiting(db: Database, oris: string[], terminal: string, now: Date, leaseMs: number, olderThan?: Date, limit = 200): Promise<StoredMessage[]> {
  if (oris.length === 0) return [];
  const { rows } = await db.query<Row>(
    `UPDATE terminal_messages SET claimed_by = $2, claimed_until = $3
      WHERE id IN (SELECT id FROM terminal_messages
                    WHERE to_ori = ANY($1::text[]) AND delivered_at IS NULL
                      AND (claimed_until IS NULL OR claimed_until < $4) AND created_at < $5
                    ORDER BY id LIMIT $6 FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS}`,
    [oris, terminal, new Date(now.getTime() + leaseMs), now, olderThan ?? new Date(now.getTime() + 1), limit],
  );
  return rows.map(toMessage).sort((a, b) => a.id - b.id);
}

export async function markDelivered(db: Database, id: number, terminal: string, at: Date): Promise<void> {
  await db.query(`UPDATE terminal_messages SET delivered_at = $3, delivered_to = $2, claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND delivered_at IS NULL`, [id, terminal, at]);
}

/** Keeps messages claimed by `holder` until `until` (written, waiting to hear from the terminal). */
export async function holdMessages(db: Database, ids: readonly number[], holder: string, until: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.query(`UPDATE terminal_messages SET claimed_by = $2, claimed_until = $3 WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL`, [ids, holder, until]);
}

export async function releaseClaim(db: Database, id: number, terminal: string): Promise<void> {
  await db.query(`UPDATE terminal_messages SET claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND claimed_by = $2 AND delivered_at IS NULL`, [id, terminal]);
}
