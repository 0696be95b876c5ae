// The public surface of the protocol codec: what the service, the MDT simulator, the console and
// the tests need. Pure — bytes and strings in, typed messages out, and back.
export * from './messages.ts';
export {
  FrameDecoder,
  ReplyDecoder,
  encodeFramed,
  encodeLines,
  encodeReply,
  encodeRequest,
  MAX_TEXT,
  STX,
  ETX,
  type FrameEvent,
  type FrameMode,
  type FrameProblemReason,
  type FrameDecoderOptions,
} from './framing.ts';
export {
  parseMessage,
  formatMessage,
  tooLongRejection,
  frameProblemRejection,
  readEchoFields,
  rejectText,
  type ParseContext,
} from './parser.ts';
export { checkOrder, mergeOrder, latestExpiry, addYears, EPO_MAX_DAYS, EPO_MAX_COURT_DAYS, NONEXP_TYPES } from './order-rules.ts';
export { courtHolidays, isCourtDay, nthCourtDayAfter } from './court-calendar.ts';
export {
  formatReply,
  safeBody,
  formatHeader,
  hitBody,
  recordLines,
  nrecBody,
  ackBody,
  conflictLine,
  rejectBody,
  tagLines,
  bodyValue,
  parseReply,
  fieldValue,
  utcStamp,
  CAVEAT,
  MAX_LINE,
  MAX_HIT_RECORDS,
  type ParsedReply,
  type TagValue,
} from './format.ts';
export { validateField, isWellFormedPno, pnoFromSequence, isRealDate, isRealDateTime, ORI_PATTERN, TAGS, type Tag } from './fields.ts';
