// `ccpor import`: enter orders in bulk. Each line of the file is the text of an EPO message,
// handled exactly as if a CLERK of that court had sent it (same parser, same handler, same audit).
import type { AuditTrail } from '../db/audit.ts';
import { localDate } from '../db/dates.ts';
import { parseMessage } from '../protocol/index.ts';
import type { HandlerContext, Services } from './handlers/context.ts';
import { Reject } from './handlers/context.ts';
import { enterOrder } from './handlers/epo.ts';

export const IMPORT_USER = 'IMPORT';

/** Handles one line; returns the reply line to print (`ACK PNO/...` or `REJ <code> <text>`). */
export async function importLine(line: string, ori: string, services: Services, audit: AuditTrail): Promise<string> {
  const started = services.clock.now();
  const ctx: HandlerContext = { ...services, user: { id: 0, name: IMPORT_USER, role: 'CLERK', ori }, terminal: 'import' };
  let reply: string;
  let fields: Record<string, string> = { TEXT: line.slice(0, 200) };
  const parsed = parseMessage(line, { today: localDate(started, services.timeZone) });
  try {
    if (!parsed.ok) throw new Reject(parsed.rejection.code, parsed.rejection.text);
    const msg = parsed.message;
    if (msg.mke !== 'EPO') throw new Reject('MKE', `ONLY EPO MAY BE IMPORTED, NOT ${msg.mke}`);
    if (msg.ori !== ori) throw new Reject('ORI', `ORI ${msg.ori} IS NOT ${ori}`);
    fields = { OCA: msg.order.oca, NAM: msg.order.nam, DOB: msg.order.dob, TYP: msg.order.typ };
    const r = await enterOrder(msg, ctx);
    reply = `ACK ${r.body.join(' ')}`;
  } catch (err) {
    if (!(err instanceof Reject)) throw err; // registry down: stop, the operator re-runs from here
    reply = `REJ ${err.code} ${err.text}`;
  }
  await audit.record({
    at: started,
    user: IMPORT_USER,
    ori,
    terminal: 'import',
    source: 'ccpor import',
    mke: 'EPO',
    fields,
    outcome: reply.slice(0, 7).trim(),
    records: reply.startsWith('ACK') ? 1 : 0,
    durationMs: services.clock.now().getTime() - started.getTime(),
  });
  return reply;
}
