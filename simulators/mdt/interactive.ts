import type { Endpoint } from './client.ts';
import type { Credentials } from './credentials.ts';
import type { Io } from './main.ts';
export async function runInteractive(_o: { endpoint: Endpoint; credentials: Credentials; replyTimeoutMs: number; io: Io }): Promise<number> { return 0; }
