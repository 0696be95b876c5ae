// One handler per message key: the rules live here. SON and SOF belong to the session.
// Keys without a handler yet are answered REJ MKE by the session.
import type { InboundMessage, MessageKey } from '../../protocol/messages.ts';
import type { HandlerContext, HandlerResult } from './context.ts';
import { administrativeMessage } from './am.ts';
import { enterOrder } from './epo.ts';
import { cancelOrder, clearOrder } from './end-order.ts';
import { modifyOrder } from './mpo.ts';
import { inquire } from './qpo.ts';
import { recordService } from './spo.ts';
import { unlock } from './ulk.ts';
import { hitConfirmationRequest } from './yq.ts';
import { hitConfirmationResponse } from './yr.ts';

type Handler<K extends MessageKey> = (msg: Extract<InboundMessage, { mke: K }>, ctx: HandlerContext) => Promise<HandlerResult>;

export const HANDLERS: Partial<{ [K in MessageKey]: Handler<K> }> = {
  QPO: inquire,
  EPO: enterOrder,
  MPO: modifyOrder,
  XPO: cancelOrder,
  CPO: clearOrder,
  SPO: recordService,
  ULK: unlock,
  AM: administrativeMessage,
  YQ: hitConfirmationRequest,
  YR: hitConfirmationResponse,
};
