// Property tests of the codec (the hardening issue): whatever bytes a terminal sends, in whatever
// pieces, the frame decoder and the parser never throw, every complete frame or line gives exactly
// one event (so the service answers it exactly once), every refusal is a well-formed one-line REJ,
// and every valid message survives formatMessage → bytes → FrameDecoder → parseMessage unchanged.
//
// Bounded for a quick `npm test` (a few seconds in all) and reproducible: a fixed seed, which
// FUZZ_SEED=<n> replaces to explore further (fast-check prints the seed and path of a failure).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseReply, formatReply, rejectBody, MAX_LINE } from './format.ts';
import { encodeRequest, ETX, FrameDecoder, MAX_TEXT, STX, type FrameEvent, type FrameMode } from './framing.ts';
import { ORDER_TYPES, REJECT_CODES, type InboundMessage, type Inquiry, type OrderFields, type ProtectedPersonFields, type Race, type ServiceMethod, type Sex } from './messages.ts';
import { latestExpiry, NONEXP_TYPES } from './order-rules.ts';
import { formatMessage, frameProblemRejection, parseMessage, tooLongRejection } from './parser.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20260615);
const runs = (numRuns: number) => ({ numRuns, seed: SEED });

const TODAY = '20260615';
const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;

// ---- helpers ----------------------------------------------------------------------------------

/** Feeds `bytes` cut at `cuts` (any positions, any order) and returns every event, end() included. */
function decode(bytes: Uint8Array, cuts: number[], mode: FrameMode | 'auto', maxText = MAX_TEXT): { events: FrameEvent[]; maxBuffered: number } {
  const d = new FrameDecoder({ mode, maxText });
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const events: FrameEvent[] = [];
  let from = 0;
  let maxBuffered = 0;
  for (const to of [...at, bytes.length]) {
    events.push(...d.push(bytes.subarray(from, to)));
    maxBuffered = Math.max(maxBuffered, d.buffered);
    from = to;
  }
  events.push(...d.end());
  return { events, maxBuffered };
}

const latin1 = (b: readonly number[]) => Buffer.from(b).toString('latin1');

/** Bytes biased towards the ones framing and parsing care about, so that odd cases come often. */
const interestingByte = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(STX, ETX, CR, LF, SP, 0x2e /* . */, 0x2f /* / */, 0x00, 0x7f, 0xc3, 0xff) },
  { weight: 4, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
const anyBytes = (maxLength: number) => fc.array(interestingByte, { maxLength }).map((a) => Uint8Array.from(a));
const cutsArb = fc.array(fc.nat(), { maxLength: 24 });

/** The REJ reply the service would send for a refusal: header and exactly one body line. */
function rejectionReply(r: { code: keyof typeof REJECT_CODES; text: string; mke?: string; ctl?: string }): string[] {
  return formatReply({ mke: r.mke ?? '', status: 'REJ', ori: 'CA0194200', seq: 1, time: new Date(Date.UTC(2026, 5, 15, 19)), ctl: r.ctl, body: rejectBody(r.code, r.text) });
}

function assertWellFormedReject(r: { code: keyof typeof REJECT_CODES; text: string; mke?: string; ctl?: string }): void {
  assert.ok(Object.hasOwn(REJECT_CODES, r.code), `unknown code ${r.code}`);
  const lines = rejectionReply(r);
  assert.equal(lines.length, 2, `a REJ has exactly one body line: ${JSON.stringify(lines)}`);
  for (const l of lines) {
    assert.ok(l.length <= MAX_LINE && /^[\x20-\x7e]+$/.test(l), `line not printable or longer than 80: ${JSON.stringify(l)}`);
  }
  const back = parseReply(lines);
  assert.equal(back.reject?.code, r.code);
  assert.equal(back.ctl.trim(), r.ctl ?? '', 'the CTL echo reads back');
  assert.equal(back.mke, r.mke ?? '', 'the key echo reads back');
}

// ---- (a) nothing a terminal sends makes the codec throw --------------------------------------

describe('fuzz: any bytes, in any pieces', () => {
  it('the decoder never throws, holds at most maxText+1 bytes, and every event gets a well-formed answer', () => {
    fc.assert(
      fc.property(anyBytes(600), cutsArb, fc.constantFrom<FrameMode | 'auto'>('auto', 'framed', 'line'), fc.constantFrom(8, 64, MAX_TEXT), (bytes, cuts, mode, maxText) => {
        const { events, maxBuffered } = decode(bytes, cuts, mode, maxText);
        assert.ok(maxBuffered <= maxText + 1, `held ${maxBuffered} bytes`);
        for (const e of events) {
          if (e.type === 'message') {
            const r = parseMessage(e.text, { today: TODAY });
            if (!r.ok) assertWellFormedReject(r.rejection);
          } else if (e.type === 'too-long') {
            assertWellFormedReject(tooLongRejection(e.head));
          } else {
            assertWellFormedReject(frameProblemRejection(e));
          }
        }
      }),
      runs(400),
    );
  });

  it('the parser never throws on any text, printable or not, and a refusal is one REJ line', () => {
    // Texts built from message-like pieces reach deeper into the parser than random bytes.
    const piece = fc.oneof(
      fc.constantFrom('QPO', 'EPO', 'MPO', 'SON', 'SOF', 'SPO', 'YQ', 'YR', 'AM', 'ULK', 'XPO', 'CPO', 'CA0194200', 'CA019015J'),
      fc.constantFrom('NAM/', 'DOB/', 'PNO/', 'PPN/', 'PSX/', 'PPB/', 'CTL/', 'MIS/', 'PWD/', 'HST/Y', 'TYP/', 'EXP/NONEXP', 'PCO/01 04', 'SRV/Y', 'DES/', 'CNF/T', 'TIM/'),
      fc.constantFrom('.', '..', '/', ' ', 'SMITH, JOHN', '19800101', 'PO0000000018', '\t', '\x00', 'é', '\x02', '\r'),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.boolean(), (pieces, lower) => {
        const text = pieces.join('');
        const r = parseMessage(lower ? text.toLowerCase() : text, { today: TODAY });
        if (!r.ok) assertWellFormedReject(r.rejection);
        else assert.ok(r.message.mke && r.message.ori);
      }),
      runs(1500),
    );
  });

  it('a text longer than 4,096 bytes is REJ LEN, whatever it holds', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.integer({ min: MAX_TEXT + 1, max: MAX_TEXT + 3000 }), (head, n) => {
        const text = `QPO.CA0194200.CTL/${head}`.padEnd(n, 'X');
        const r = parseMessage(text, { today: TODAY });
        assert.equal(r.ok, false);
        if (!r.ok) assert.equal(r.rejection.code, 'LEN');
      }),
      runs(50),
    );
  });
});

// ---- (b) exactly one event per complete frame --------------------------------------------------

/** A piece of a framed stream, and what the decoder must make of it. */
type Unit =
  | { t: 'frame'; body: number[] } // STX body ETX, body within the limit: one message
  | { t: 'long'; body: number[] } // STX body ETX, body over the limit: one too-long
  | { t: 'blank'; bytes: number[] } // CR, LF, space between frames: nothing
  | { t: 'garbage'; bytes: number[] } // bytes outside a frame (no STX): one outside-frame per run
  | { t: 'open'; body: number[] }; // STX body, no ETX: interrupted by the next STX, or unterminated at the end

const bodyByte = interestingByte.filter((b) => b !== STX && b !== ETX);
const blankByte = fc.constantFrom(CR, LF, SP);

function framedUnit(max: number): fc.Arbitrary<Unit> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.array(bodyByte, { maxLength: max }).map((body): Unit => ({ t: 'frame', body })) },
    { weight: 1, arbitrary: fc.constant<Unit>({ t: 'frame', body: [] }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.array(bodyByte, { minLength: max + 1, maxLength: max + 1 }), fc.integer({ min: 0, max: 3 * max }))
        .map(([head, extra]): Unit => ({ t: 'long', body: [...head, ...Array<number>(extra).fill(0x58)] })),
    },
    { weight: 2, arbitrary: fc.array(blankByte, { minLength: 1, maxLength: 4 }).map((bytes): Unit => ({ t: 'blank', bytes })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.array(interestingByte.filter((b) => b !== STX), { maxLength: 12 }), interestingByte.filter((b) => b !== STX && b !== CR && b !== LF && b !== SP))
        .map(([bytes, visible]): Unit => ({ t: 'garbage', bytes: [visible, ...bytes] })),
    },
    { weight: 2, arbitrary: fc.array(bodyByte, { maxLength: max }).map((body): Unit => ({ t: 'open', body })) },
  );
}

const startsFrame = (u: Unit | undefined) => u !== undefined && (u.t === 'frame' || u.t === 'long' || u.t === 'open');

/** An open frame is only open until the next STX: whatever else follows it would be its body. */
function normalise(units: Unit[]): Unit[] {
  const out: Unit[] = [];
  units.forEach((u, i) => {
    out.push(u);
    if (u.t === 'open' && i < units.length - 1 && !startsFrame(units[i + 1])) out.push({ t: 'frame', body: [] });
  });
  return out;
}

function framedBytes(units: Unit[]): Uint8Array {
  const out: number[] = [];
  for (const u of units) {
    if (u.t === 'frame' || u.t === 'long') out.push(STX, ...u.body, ETX);
    else if (u.t === 'open') out.push(STX, ...u.body);
    else out.push(...u.bytes);
  }
  return Uint8Array.from(out);
}

/** What SPEC 2 and 2.1 say the decoder reports, unit by unit (outside-frame samples not compared). */
function framedModel(units: Unit[], max: number): FrameEvent[] {
  const out: FrameEvent[] = [];
  let inGarbage = false;
  units.forEach((u, i) => {
    if (u.t === 'frame') out.push({ type: 'message', text: latin1(u.body) });
    else if (u.t === 'long') out.push({ type: 'too-long', head: latin1(u.body.slice(0, max)) });
    else if (u.t === 'open') out.push({ type: 'malformed', reason: i === units.length - 1 ? 'unterminated' : 'interrupted', text: latin1(u.body) });
    else if (u.t === 'garbage' && !inGarbage) out.push({ type: 'malformed', reason: 'outside-frame', text: '' });
    // A run of garbage lasts until the next STX, blanks and further garbage included.
    if (u.t === 'garbage') inGarbage = true;
    else if (u.t !== 'blank') inGarbage = false;
  });
  return out;
}

const comparable = (events: FrameEvent[]) => events.map((e) => (e.type === 'malformed' && e.reason === 'outside-frame' ? { ...e, text: '' } : e));

/** A line of line mode: its bytes up to (not including) LF, and whether LF ends it. */
interface LineUnit {
  raw: number[];
  ended: boolean;
}

function lineModel(lines: LineUnit[], max: number): FrameEvent[] {
  const out: FrameEvent[] = [];
  for (const l of lines) {
    // The text may be maxText bytes followed by the CR of its CR LF (SPEC 3).
    const tooLong = l.raw.length > max + 1 || (l.raw.length === max + 1 && l.raw[max] !== CR);
    if (tooLong) {
      out.push({ type: 'too-long', head: latin1(l.raw.slice(0, max)) });
      continue;
    }
    const text = latin1(l.raw).replace(/\r$/, '');
    if (!/^[ \r]*$/.test(text)) out.push({ type: 'message', text });
  }
  return out;
}

describe('fuzz: one event per complete frame, however the stream is cut', () => {
  for (const max of [16, MAX_TEXT]) {
    it(`framed mode (limit ${max}): frames, long frames, blanks, garbage and open frames, split anywhere or joined`, () => {
      fc.assert(
        fc.property(fc.array(framedUnit(max), { maxLength: max === MAX_TEXT ? 6 : 25 }).map(normalise), cutsArb, fc.boolean(), (units, cuts, byteByByte) => {
          const bytes = framedBytes(units);
          const split = byteByByte ? Array.from({ length: bytes.length }, (_, i) => i) : cuts;
          const { events } = decode(bytes, split, 'framed', max);
          const expected = framedModel(units, max);
          assert.deepEqual(comparable(events), expected);
          // The service answers each event once: every complete frame, long or not, exactly once.
          const complete = units.filter((u) => u.t === 'frame' || u.t === 'long').length;
          assert.equal(events.filter((e) => e.type === 'message' || e.type === 'too-long').length, complete);
        }),
        runs(max === MAX_TEXT ? 60 : 400),
      );
    });
  }

  it('auto mode: blanks then STX decide framed mode, and frames are then decoded as in framed mode', () => {
    fc.assert(
      fc.property(fc.array(blankByte, { maxLength: 4 }), fc.array(framedUnit(32), { minLength: 1, maxLength: 12 }), cutsArb, (lead, rest, cuts) => {
        const units = normalise([{ t: 'frame', body: [0x51] }, ...rest]);
        const bytes = Uint8Array.from([...lead, ...framedBytes(units)]);
        const { events } = decode(bytes, cuts, 'auto', 32);
        assert.deepEqual(comparable(events), framedModel(units, 32));
      }),
      runs(300),
    );
  });

  for (const max of [16, MAX_TEXT]) {
    it(`line mode (limit ${max}): LF or CR LF endings, blank lines, long lines, a last line without LF`, () => {
      const lineByte = interestingByte.filter((b) => b !== LF);
      const line = fc.oneof(
        { weight: 5, arbitrary: fc.array(lineByte, { maxLength: max + 2 }) },
        { weight: 1, arbitrary: fc.array(fc.constantFrom(SP, CR), { maxLength: 3 }) },
        { weight: 1, arbitrary: fc.array(lineByte, { minLength: max - 1, maxLength: max + 1 }).map((b) => [...b, CR]) },
        { weight: 1, arbitrary: fc.integer({ min: max + 1, max: 3 * max }).map((n) => Array<number>(n).fill(0x41)) },
      );
      fc.assert(
        fc.property(
          fc.array(fc.tuple(line, fc.boolean()), { maxLength: max === MAX_TEXT ? 4 : 20 }),
          fc.option(line, { nil: undefined }),
          cutsArb,
          (ended, tail, cuts) => {
            const lines: LineUnit[] = ended.map(([raw, crlf]) => ({ raw: crlf ? [...raw, CR] : raw, ended: true }));
            if (tail !== undefined && tail.length > 0) lines.push({ raw: tail, ended: false });
            const bytes = Uint8Array.from(lines.flatMap((l) => (l.ended ? [...l.raw, LF] : l.raw)));
            const { events } = decode(bytes, cuts, 'line', max);
            assert.deepEqual(events, lineModel(lines, max));
          },
        ),
        runs(max === MAX_TEXT ? 60 : 400),
      );
    });
  }
});

// ---- (c) valid messages survive the round trip -------------------------------------------------

const DAY = 86_400_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
const msOf = (d: string) => Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8));
const todayMs = msOf(TODAY);
/** A real date from `from` up to `to` (CCYYMMDD, inclusive). */
const dateBetween = (from: string, to: string) => fc.integer({ min: msOf(from) / DAY, max: msOf(to) / DAY }).map((d) => dateOf(d * DAY));
const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}${String(m).padStart(2, '0')}`);

const ori = fc.stringMatching(/^[A-Z]{2}[A-Z0-9]{7}$/);
const word = fc.stringMatching(/^[A-Z][A-Z'-]{0,7}$/);
const name = fc
  .tuple(fc.array(word, { minLength: 1, maxLength: 2 }), fc.option(fc.tuple(fc.constantFrom(',', ', '), fc.array(word, { minLength: 1, maxLength: 2 })), { nil: undefined }))
  .map(([last, first]) => `${last.join(' ')}${first ? `${first[0]}${first[1].join(' ')}` : ''}`)
  .filter((n) => n.length <= 30);
const pastDate = dateBetween('19000101', TODAY);
const sex = fc.constantFrom<Sex>('M', 'F', 'X', 'U');
const race = fc.constantFrom<Race>('A', 'B', 'I', 'W', 'U');
const pno = fc.integer({ min: 1, max: 999_999_999 }).map((n) => {
  const body = String(n).padStart(9, '0');
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    let d = Number(body[8 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return `PO${body}${(10 - (sum % 10)) % 10}`;
});
// Values as a terminal sends them: upper case (the parser folds case) and, where a value may end
// the text, without trailing spaces (spaces around the whole text are ignored, SPEC 4).
const ctl = fc.stringMatching(/^[\x21-\x2d\x2f-\x60\x7b-\x7e](?:[\x20-\x2d\x2f-\x60\x7b-\x7e]{0,8}[\x21-\x2d\x2f-\x60\x7b-\x7e])?$/);
const mis = fc.stringMatching(/^[\x20-\x60\x7b-\x7e]{1,500}$/).filter((s) => !s.endsWith(' ') && s.trim() !== '');
const svb = fc.stringMatching(/^[A-Z0-9][A-Z0-9 ,'#-]{0,29}$/).filter((s) => !s.endsWith(' '));
const colour = fc.constantFrom('BRO', 'BLK', 'BLU', 'GRN', 'HAZ', 'GRY', 'RED', 'SDY', 'WHI', 'BLN', 'XXX');
const serviceMethod = fc.constantFrom<ServiceMethod>('PERSONAL', 'VERBAL', 'COURT', 'MAIL');
const user = fc.stringMatching(/^[A-Z0-9_-]{1,30}$/);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** The object without its undefined properties: the parser leaves absent fields out. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const person: fc.Arbitrary<ProtectedPersonFields> = fc
  .record({ ppn: name, psx: sex, ppr: opt(race), ppb: pastDate })
  .map((p) => defined(p) as ProtectedPersonFields);

const inquiry: fc.Arbitrary<Inquiry> = fc.oneof(
  fc.record({ nam: name, dob: pastDate, sex: opt(sex) }).map((q) => defined({ form: 'NAME' as const, ...q })),
  fc.record({ ppn: name, ppb: pastDate, psx: opt(sex) }).map((q) => defined({ form: 'PROTECTED' as const, ...q })),
  pno.map((p) => ({ form: 'PNO' as const, pno: p })),
  fc.stringMatching(/^\d{13}$/).map((fcn) => ({ form: 'FCN' as const, fcn })),
  fc.record({ oln: fc.stringMatching(/^[A-Z0-9]{1,20}$/), ols: fc.stringMatching(/^[A-Z]{2}$/) }).map((q) => ({ form: 'LICENCE' as const, ...q })),
  fc.record({ oca: fc.stringMatching(/^[A-Z0-9-]{1,20}$/), cti: ori }).map((q) => ({ form: 'CASE' as const, ...q })),
);

/** The descriptive fields of an order, each valid on its own (MPO may change any of them). */
const orderParts = {
  nam: name,
  sex,
  rac: race,
  dob: pastDate,
  hgt: fc.stringMatching(/^[1-8](0\d|1[01])$/),
  wgt: fc.integer({ min: 1, max: 999 }),
  eye: colour,
  hai: colour,
  aka: fc.array(name, { minLength: 1, maxLength: 3 }),
  typ: fc.constantFrom(...ORDER_TYPES),
  oca: fc.stringMatching(/^[A-Z0-9-]{1,20}$/),
  brd: fc.constantFrom<'Y' | 'N' | 'U'>('Y', 'N', 'U'),
  protected: fc.array(person, { minLength: 1, maxLength: 3 }),
};

/** An order that keeps every rule between fields (protocol/order-rules.ts), issued by `court`. */
const order = (court: string): fc.Arbitrary<OrderFields> =>
  fc
    .record({
      ...orderParts,
      hgt: opt(orderParts.hgt),
      wgt: opt(orderParts.wgt),
      eye: opt(orderParts.eye),
      hai: opt(orderParts.hai),
      aka: opt(orderParts.aka),
      brd: opt(orderParts.brd),
      licence: opt(fc.tuple(fc.stringMatching(/^[A-Z0-9]{1,20}$/), fc.stringMatching(/^[A-Z]{2}$/))),
      isd: dateBetween('20000101', TODAY),
      expDays: fc.integer({ min: 1, max: 20_000 }),
      nonexp: fc.boolean(),
      pco: fc.shuffledSubarray(['01', '02', '03', '04', '05', '06', '07', '08', '09'], { minLength: 1 }),
      dst: fc.integer({ min: 1, max: 9999 }),
      withDst: fc.boolean(),
      mis: opt(mis),
      fallbackMis: mis,
      served: opt(fc.record({ days: fc.nat({ max: 60 }), time: hhmm, shw: serviceMethod, svb: opt(svb) })),
      srvN: fc.boolean(),
    })
    .map((r) => {
      const latest = latestExpiry(r.typ, r.isd);
      const exp = r.nonexp && NONEXP_TYPES.includes(r.typ) ? 'NONEXP' : [dateOf(msOf(r.isd) + r.expDays * DAY), latest ?? '99991231'].sort()[0]!;
      const served = r.served && {
        srv: 'Y' as const,
        sdt: `${dateOf(Math.min(todayMs, msOf(r.isd) + r.served.days * DAY))}${r.served.time}`,
        shw: r.served.shw,
        svb: r.served.svb,
      };
      return defined<OrderFields>({
        nam: r.nam, sex: r.sex, rac: r.rac, dob: r.dob, hgt: r.hgt, wgt: r.wgt, eye: r.eye, hai: r.hai,
        oln: r.licence?.[0], ols: r.licence?.[1], aka: r.aka,
        typ: r.typ, oca: r.oca, cti: court, isd: r.isd, exp, pco: r.pco,
        dst: r.pco.includes('04') || r.withDst ? r.dst : undefined,
        brd: r.brd,
        ...(served ?? { srv: r.srvN ? ('N' as const) : undefined, sdt: undefined, shw: undefined, svb: undefined }),
        mis: r.pco.includes('08') ? (r.mis ?? r.fallbackMis) : r.mis,
        protected: r.protected,
      });
    });

/** Changes an MPO may carry: any non-empty set of valid fields; SRV/N without service fields. */
const changes: fc.Arbitrary<Partial<OrderFields>> = fc
  .record(
    {
      ...orderParts,
      isd: dateBetween('20000101', TODAY),
      exp: fc.oneof(dateBetween('20000101', '20991231'), fc.constant('NONEXP')),
      pco: fc.shuffledSubarray(['01', '02', '03', '04', '05', '06', '07', '08', '09'], { minLength: 1 }),
      dst: fc.integer({ min: 1, max: 9999 }),
      mis,
      srv: fc.constantFrom<'Y' | 'N'>('Y', 'N'),
      sdt: fc.tuple(pastDate, hhmm).map(([d, t]) => d + t),
      shw: serviceMethod,
      svb,
    },
    { requiredKeys: [] },
  )
  .map((c) => {
    const out = defined(c) as Partial<OrderFields>;
    if (out.srv === 'N') {
      delete out.sdt;
      delete out.shw;
      delete out.svb;
    }
    return out;
  })
  .filter((c) => Object.keys(c).length > 0);

const message: fc.Arbitrary<InboundMessage> = fc.oneof(
  fc.record({ ori, ctl: opt(ctl), usr: user, pwd: fc.stringMatching(/^[\x20-\x2d\x2f-\x7e]{0,127}[\x21-\x2d\x2f-\x7e]$/), otp: opt(fc.stringMatching(/^\d{6,8}$/)) })
    .map((m) => defined({ mke: 'SON' as const, ...m })),
  fc.record({ ori, ctl: opt(ctl) }).map((m) => defined({ mke: 'SOF' as const, ...m })),
  fc.record({ ori, ctl: opt(ctl), inquiry, hst: fc.boolean() }).map((m) => defined({ mke: 'QPO' as const, ...m })),
  fc.tuple(ori, opt(ctl)).chain(([o, c]) => order(o).map((ord) => defined({ mke: 'EPO' as const, ori: o, ctl: c, order: ord }))),
  fc.record({ ori, ctl: opt(ctl), pno, changes }).map((m) => defined({ mke: 'MPO' as const, ...m })),
  fc.record({ ori, ctl: opt(ctl), pno, mis: opt(mis), clear: fc.boolean() }).map(({ clear, ...m }) => defined({ mke: clear ? ('CPO' as const) : ('XPO' as const), ...m })),
  fc.record({ ori, ctl: opt(ctl), pno, sdt: fc.tuple(pastDate, hhmm).map(([d, t]) => d + t), shw: serviceMethod, svb: opt(svb), mis: opt(mis) })
    .map((m) => defined({ mke: 'SPO' as const, ...m })),
  fc.record({ ori, ctl: opt(ctl), pno, rno: fc.constantFrom(1, 2, 3), pri: fc.constantFrom<'U' | 'R'>('U', 'R'), des: fc.uniqueArray(ori, { maxLength: 2 }), mis: opt(mis) })
    .map((m) => defined({ mke: 'YQ' as const, rty: 'PO' as const, ...m })),
  fc.record({ ori, ctl: opt(ctl), pno, rno: fc.constantFrom(1, 2, 3), cnf: fc.constantFrom<'Y' | 'N' | 'T'>('Y', 'N', 'T'), tim: hhmm, des: opt(ori), mis: opt(mis) })
    .map(({ tim, ...m }) => defined({ mke: 'YR' as const, ...m, tim: m.cnf === 'T' ? tim : undefined })),
  fc.record({ ori, ctl: opt(ctl), des: ori, mis }).map((m) => defined({ mke: 'AM' as const, ...m })),
  fc.record({ ori, ctl: opt(ctl), usr: user }).map((m) => defined({ mke: 'ULK' as const, ...m })),
);

describe('fuzz: valid messages survive the round trip', () => {
  it('parseMessage(formatMessage(m)) is m, for every message key and QPO form', () => {
    fc.assert(
      fc.property(message, (m) => {
        const r = parseMessage(formatMessage(m), { today: TODAY });
        assert.ok(r.ok, `refused: ${JSON.stringify(!r.ok && r.rejection)} for ${formatMessage(m)}`);
        assert.deepEqual(r.message, m);
      }),
      runs(1500),
    );
  });

  it('as bytes on the wire, framed or line mode, split anywhere, still the same message', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 4 }), fc.constantFrom<FrameMode>('framed', 'line'), cutsArb, (ms, mode, cuts) => {
        const bytes = Buffer.concat(ms.map((m) => encodeRequest(formatMessage(m), mode)));
        const { events } = decode(bytes, cuts, 'auto');
        assert.equal(events.length, ms.length, 'one event per message');
        events.forEach((e, i) => {
          assert.equal(e.type, 'message');
          const r = parseMessage(e.type === 'message' ? e.text : '', { today: TODAY });
          assert.ok(r.ok);
          assert.deepEqual(r.message, ms[i]);
        });
      }),
      runs(300),
    );
  });

  it('upper or lower case, the same message (SPEC 4: case folding, PWD and OTP excepted)', () => {
    const noSecrets = message.filter((m) => m.mke !== 'SON');
    fc.assert(
      fc.property(noSecrets, (m) => {
        const r = parseMessage(formatMessage(m).toLowerCase(), { today: TODAY });
        assert.ok(r.ok);
        assert.deepEqual(r.message, m);
      }),
      runs(300),
    );
  });
});
