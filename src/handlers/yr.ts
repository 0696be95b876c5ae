// YR (ICD 4, issue 6): hit confirmation response from a CLERK or SHERIFF of an ORI the request went
// to. CNF/Y (confirmed) and CNF/N (not confirmed) answer the request and stop its timers; CNF/T
// with TIM/HHMM promises an answer by that time (local time, the next such time), which becomes the
// request's new due time. Every answer goes to the requesting terminal (its ORI when it has gone).
import { answerHitRequest, findOpenHitRequests } from '../../db/hit-requests.ts';
import { tagLines } from '../../protocol/index.ts';
import type { InboundMessage } from '../../protocol/messages.ts';
import { dueStamp, nextLocalTime, responseBody } from '../switching/hit-confirmation.ts';
import { Reject, type HandlerContext, type HandlerResult } from './context.ts';

export async function hitConfirmationResponse(msg: Extract<InboundMessage, { mke: 'YR' }>, ctx: HandlerContext): Promise<HandlerResult> {
  const open = await findOpenHitRequests(ctx.db, msg.pno, msg.rno, msg.des);
  if (open.length === 0) {
    throw new Reject('NFD', `NO PENDING YQ FOR PNO/${msg.pno} RNO/${msg.rno}${msg.des ? ` FROM ${msg.des}` : ''}`);
  }
  // The latest request this ORI holds.
  const req = open.find((r) => r.destinations.includes(ctx.user.ori));
  if (!req) throw new Reject('PRM', `${ctx.user.ori} IS NOT A DESTINATION OF YQ PNO/${msg.pno} RNO/${msg.rno}`);

  const now = ctx.clock.now();
  const until = msg.cnf === 'T' ? nextLocalTime(now, msg.tim!, ctx.timeZone) : undefined;
  const answer = { cnf: msg.cnf, tim: msg.tim, until, ori: ctx.user.ori, user: ctx.user.name, mis: msg.mis };
  await ctx.messenger.send(
    { ori: req.requesterOri, terminal: req.requesterTerminal },
    { mke: 'YR', status: 'MSG', body: responseBody(req, answer) },
  );
  const common = { ori: ctx.user.ori, user: ctx.user.name, at: now };
  await answerHitRequest(ctx.db, req.id, msg.cnf === 'T' ? { ...common, cnf: 'T', tim: msg.tim!, until: until! } : { ...common, cnf: msg.cnf });
  return {
    status: 'ACK',
    body: [
      ...tagLines([['PNO', msg.pno], ['RNO', msg.rno], ['CNF', msg.cnf], ['TIM', msg.tim], ['DUE', until && dueStamp(until)]]),
      ...tagLines([['DES', req.requesterOri]]),
    ],
    records: 1,
  };
}
