import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeFramed,
  encodeLines,
  encodeReply,
  encodeRequest,
  type FrameEvent,
  FrameDecoder,
  type FrameDecoderOptions,
  MAX_TEXT,
  ReplyDecoder,
} from './framing.ts';

const bytes = (s: string) => Buffer.from(s, 'latin1');
const frame = (text: string) => `\x02${text}\x03`;
const msg = (text: string): FrameEvent => ({ type: 'message', text });

/** Feeds the chunks one after another and collects every event, end() included. */
function decode(chunks: (string | Buffer)[], opts?: FrameDecoderOptions, end = true): FrameEvent[] {
  const d = new FrameDecoder(opts);
  const events = chunks.flatMap((c) => d.push(typeof c === 'string' ? bytes(c) : c));
  return end ? [...events, ...d.end()] : events;
}

/** Every way of cutting `s` in two. */
const splits = (s: string): [string, string][] => Array.from({ length: s.length + 1 }, (_, i) => [s.slice(0, i), s.slice(i)]);
const byteByByte = (s: string) => [...s];

const SON = 'SON.CA0194200.USR/CLERK7.PWD/S3cret-Pass';
const QPO = 'QPO.CA0194200.NAM/SMITH, JOHN.DOB/19800101.CTL/A1';
const MIS = 'AM.CA0194200.DES/CA0194201.MIS/CALL ME. 555-1212. THANKS.';

describe('FrameDecoder: framed mode', () => {
  it('decodes one whole frame', () => {
    assert.deepEqual(decode([frame(SON)]), [msg(SON)]);
  });

  it('decodes a frame split at every point', () => {
    for (const [a, b] of splits(frame(QPO))) {
      assert.deepEqual(decode([a, b]), [msg(QPO)], `split at ${a.length}`);
    }
  });

  it('decodes a frame split at every pair of points', () => {
    const f = frame(SON);
    for (let i = 0; i <= f.length; i++) {
      for (let j = i; j <= f.length; j++) {
        assert.deepEqual(decode([f.slice(0, i), f.slice(i, j), f.slice(j)]), [msg(SON)], `split at ${i},${j}`);
      }
    }
  });

  it('decodes several frames in one chunk, with and without blanks between them', () => {
    assert.deepEqual(decode([frame(SON) + frame(QPO) + frame(MIS)]), [msg(SON), msg(QPO), msg(MIS)]);
    assert.deepEqual(decode([`${frame(SON)}\r\n${frame(QPO)}  \n\r ${frame(MIS)}\r\n`]), [msg(SON), msg(QPO), msg(MIS)]);
  });

  it('decodes several frames fed byte by byte', () => {
    const all = `${frame(SON)}\r\n${frame(QPO)}${frame(MIS)}`;
    assert.deepEqual(decode(byteByByte(all)), [msg(SON), msg(QPO), msg(MIS)]);
  });

  it('decodes several frames split at every point', () => {
    const all = `${frame(SON)}\r\n${frame(QPO)}${frame(MIS)}`;
    for (const [a, b] of splits(all)) assert.deepEqual(decode([a, b]), [msg(SON), msg(QPO), msg(MIS)]);
  });

  it('keeps every byte as it is (latin1), including CR, LF and non-ASCII inside a frame', () => {
    const text = 'QPO.CA0194200.NAM/M\xc3\xbcLLER\r\n\x00\xff';
    assert.deepEqual(decode([Buffer.from([0x02, ...Buffer.from(text, 'latin1'), 0x03])]), [msg(text)]);
  });

  it('gives an empty frame as an empty message (the parser answers FRM)', () => {
    assert.deepEqual(decode(['\x02\x03']), [msg('')]);
  });

  it('is in framed mode after leading blanks and an STX', () => {
    const d = new FrameDecoder();
    assert.equal(d.mode, undefined);
    d.push(bytes(' \r\n '));
    assert.equal(d.mode, undefined);
    d.push(bytes('\x02'));
    assert.equal(d.mode, 'framed');
  });
});

describe('FrameDecoder: bytes outside frames', () => {
  it('reports a run of bytes between frames once, with a sample', () => {
    assert.deepEqual(decode([`${frame(SON)}HELLO THERE\r\nMORE GARBAGE\r\n${frame(QPO)}`]), [
      msg(SON),
      { type: 'malformed', reason: 'outside-frame', text: 'HELLO THERE\r\nMORE GARBAGE\r\n' },
      msg(QPO),
    ]);
  });

  it('reports one event per run even when the run is fed byte by byte', () => {
    const events = decode(byteByByte(`${frame(SON)}garbage${frame(QPO)}x${frame(MIS)}`));
    assert.deepEqual(
      events.map((e) => e.type),
      ['message', 'malformed', 'message', 'malformed', 'message'],
    );
  });

  it('treats a stray ETX between frames as garbage', () => {
    assert.deepEqual(decode([`${frame(SON)}\x03${frame(QPO)}`]).map((e) => e.type), ['message', 'malformed', 'message']);
  });

  it('ignores CR, LF and space between frames', () => {
    assert.deepEqual(decode([`\r\n ${frame(SON)} \r\n \r\n${frame(QPO)}\n`]), [msg(SON), msg(QPO)]);
  });

  it('limits the sample to 64 bytes', () => {
    const [, bad] = decode([frame(SON) + 'x'.repeat(1000)]);
    assert.equal(bad?.type, 'malformed');
    assert.equal(bad?.type === 'malformed' && bad.text.length, 64);
  });
});

describe('FrameDecoder: STX inside a frame, end of connection', () => {
  it('reports the partial frame when an STX arrives inside it, and decodes the new frame', () => {
    assert.deepEqual(decode([`\x02QPO.CA0194200.NAM/SM${frame(SON)}`]), [
      { type: 'malformed', reason: 'interrupted', text: 'QPO.CA0194200.NAM/SM' },
      msg(SON),
    ]);
  });

  it('does the same when fed byte by byte', () => {
    assert.deepEqual(decode(byteByByte(`\x02QPO.CA${frame(SON)}`)), [
      { type: 'malformed', reason: 'interrupted', text: 'QPO.CA' },
      msg(SON),
    ]);
  });

  it('reports a frame still open when the connection ends', () => {
    assert.deepEqual(decode([`${frame(SON)}\x02QPO.CA0194200`]), [
      msg(SON),
      { type: 'malformed', reason: 'unterminated', text: 'QPO.CA0194200' },
    ]);
  });

  it('reports nothing at the end between frames', () => {
    assert.deepEqual(decode([`${frame(SON)}\r\n`]), [msg(SON)]);
  });
});

describe('FrameDecoder: too long', () => {
  const longest = `MIS/${'A'.repeat(MAX_TEXT - 4)}`;
  const tooLong = `QPO.CA0194200.CTL/X9.MIS/${'B'.repeat(MAX_TEXT)}`;

  it('accepts a frame of exactly 4096 bytes', () => {
    assert.equal(longest.length, MAX_TEXT);
    assert.deepEqual(decode([frame(longest)]), [msg(longest)]);
  });

  it('reports a frame of 4097 bytes once, with its first 4096 bytes, and stays usable', () => {
    const text = 'C'.repeat(MAX_TEXT + 1);
    assert.deepEqual(decode([frame(text) + frame(SON)]), [{ type: 'too-long', head: 'C'.repeat(MAX_TEXT) }, msg(SON)]);
  });

  it('reports a very long frame once, at its 4097th byte, and discards the rest up to its ETX', () => {
    const d = new FrameDecoder();
    const first = d.push(bytes(`\x02${tooLong.slice(0, MAX_TEXT + 1)}`));
    assert.deepEqual(first, [{ type: 'too-long', head: tooLong.slice(0, MAX_TEXT) }]);
    assert.deepEqual(d.push(bytes(`${'Z'.repeat(100_000)}\x03`)), []);
    assert.deepEqual(d.push(bytes(frame(QPO))), [msg(QPO)]);
  });

  it('works when the long frame arrives byte by byte', () => {
    const events = decode(byteByByte(frame(tooLong) + frame(SON)));
    assert.deepEqual(events, [{ type: 'too-long', head: tooLong.slice(0, MAX_TEXT) }, msg(SON)]);
  });

  it('starts a new frame at an STX inside the discarded part, with no further event', () => {
    assert.deepEqual(decode([`\x02${'D'.repeat(MAX_TEXT + 10)}${frame(SON)}`]), [
      { type: 'too-long', head: 'D'.repeat(MAX_TEXT) },
      msg(SON),
    ]);
  });

  it('never holds more than 4096 + 1 bytes, whatever the peer sends', () => {
    const d = new FrameDecoder();
    let most = 0;
    const chunks = [`\x02${'E'.repeat(1_000_000)}`, '\x03', 'garbage'.repeat(100_000), `\x02${'F'.repeat(MAX_TEXT)}`];
    for (const c of chunks) {
      d.push(bytes(c));
      most = Math.max(most, d.buffered);
    }
    assert.ok(most <= MAX_TEXT + 1, `held ${most} bytes`);
    const line = new FrameDecoder({ mode: 'line' });
    line.push(bytes('G'.repeat(1_000_000)));
    assert.ok(line.buffered <= MAX_TEXT + 1);
  });

  it('takes a smaller limit', () => {
    assert.deepEqual(decode([frame('12345') + frame('1234')], { maxText: 4 }), [{ type: 'too-long', head: '1234' }, msg('1234')]);
  });
});

describe('FrameDecoder: line mode', () => {
  it('is in line mode when the first significant byte is not STX; leading blanks do not decide', () => {
    const d = new FrameDecoder();
    assert.deepEqual(d.push(bytes('\r\n  \r\n')), []);
    assert.equal(d.mode, undefined);
    assert.deepEqual(d.push(bytes(`${SON}\r\n`)), [msg(SON)]);
    assert.equal(d.mode, 'line');
  });

  it('stays in line mode for the whole connection: a later STX is just a byte of a line', () => {
    assert.deepEqual(decode([`${SON}\n${frame(QPO)}\n`]), [msg(SON), msg(frame(QPO))]);
  });

  it('decodes a line with LF or CR LF split at every point', () => {
    for (const ending of ['\n', '\r\n']) {
      for (const [a, b] of splits(QPO + ending)) {
        assert.deepEqual(decode([a, b], undefined, false), [msg(QPO)], `split at ${a.length}`);
      }
    }
  });

  it('decodes several lines in one chunk and byte by byte; empty and blank lines are ignored', () => {
    const all = `${SON}\r\n\r\n${QPO}\n   \r\n\n${MIS}\r\n`;
    assert.deepEqual(decode([all]), [msg(SON), msg(QPO), msg(MIS)]);
    assert.deepEqual(decode(byteByByte(all)), [msg(SON), msg(QPO), msg(MIS)]);
  });

  it('keeps a lone CR inside a line (the parser answers CHR) and strips only the CR of CR LF', () => {
    assert.deepEqual(decode(['SOF.CA0194200\r\r\n']), [msg('SOF.CA0194200\r')]);
  });

  it('takes a last line without LF as a message when the connection ends', () => {
    assert.deepEqual(decode([`${SON}\n${QPO}`]), [msg(SON), msg(QPO)]);
  });

  it('accepts a line of exactly 4096 bytes with LF or CR LF', () => {
    const text = 'H'.repeat(MAX_TEXT);
    assert.deepEqual(decode([`${text}\r\n${text}\n`]), [msg(text), msg(text)]);
    assert.deepEqual(decode(byteByByte(`${text}\r\n`)), [msg(text)]);
  });

  it('reports a line of 4097 bytes once and stays usable', () => {
    const long = 'I'.repeat(MAX_TEXT + 1);
    assert.deepEqual(decode([`${long}\r\n${SON}\r\n`]), [{ type: 'too-long', head: 'I'.repeat(MAX_TEXT) }, msg(SON)]);
    assert.deepEqual(decode([`${'J'.repeat(MAX_TEXT)}\r\r\n${SON}\n`]), [{ type: 'too-long', head: 'J'.repeat(MAX_TEXT) }, msg(SON)]);
  });

  it('reports a very long line fed byte by byte once', () => {
    const events = decode(byteByByte(`${'K'.repeat(MAX_TEXT * 2)}\n${QPO}\n`));
    assert.deepEqual(events, [{ type: 'too-long', head: 'K'.repeat(MAX_TEXT) }, msg(QPO)]);
  });

  it('can be forced (SSH exec): a first STX is then just a byte', () => {
    assert.deepEqual(decode([`${frame(SON)}\n`], { mode: 'line' }), [msg(frame(SON))]);
  });
});

describe('encoders', () => {
  it('frames a reply: STX, lines joined by CR LF, ETX', () => {
    assert.deepEqual(encodeFramed(['A', 'B C']), Buffer.from([0x02, 0x41, 0x0d, 0x0a, 0x42, 0x20, 0x43, 0x03]));
    assert.deepEqual(encodeReply(['A'], 'framed'), bytes('\x02A\x03'));
  });

  it('ends a line-mode reply with one empty line', () => {
    assert.deepEqual(encodeLines(['A', 'B']), bytes('A\r\nB\r\n\r\n'));
    assert.deepEqual(encodeReply(['A'], 'line'), bytes('A\r\n\r\n'));
  });

  it('encodes a request in either mode and refuses CR, LF, STX, ETX in it', () => {
    assert.deepEqual(encodeRequest('SOF.CA0194200', 'framed'), bytes('\x02SOF.CA0194200\x03'));
    assert.deepEqual(encodeRequest('SOF.CA0194200', 'line'), bytes('SOF.CA0194200\r\n'));
    assert.throws(() => encodeRequest('A\nB', 'line'), RangeError);
  });

  it('round-trips requests through the server decoder', () => {
    for (const mode of ['framed', 'line'] as const) {
      const wire = Buffer.concat([SON, QPO, MIS].map((t) => encodeRequest(t, mode)));
      assert.deepEqual(decode([wire]), [msg(SON), msg(QPO), msg(MIS)]);
    }
  });
});

describe('ReplyDecoder (client side)', () => {
  const r1 = ['QPO  NREC CA0194200 000001 20250601123456 A1', 'NAM/SMITH, JOHN DOB/19800101'];
  const r2 = ['SOF  ACK  CA0194200 000002 20250601123457'];

  it('reads framed replies split at every point', () => {
    const wire = Buffer.concat([encodeFramed(r1), bytes('\r\n'), encodeFramed(r2)]).toString('latin1');
    for (const [a, b] of splits(wire)) {
      const d = new ReplyDecoder('framed');
      assert.deepEqual([...d.push(bytes(a)), ...d.push(bytes(b))], [r1, r2], `split at ${a.length}`);
    }
  });

  it('reads line-mode replies, each ending at an empty line, split at every point', () => {
    const wire = Buffer.concat([encodeLines(r1), encodeLines(r2)]).toString('latin1');
    for (const [a, b] of splits(wire)) {
      const d = new ReplyDecoder('line');
      assert.deepEqual([...d.push(bytes(a)), ...d.push(bytes(b))], [r1, r2], `split at ${a.length}`);
    }
  });

  it('reads replies byte by byte', () => {
    for (const mode of ['framed', 'line'] as const) {
      const d = new ReplyDecoder(mode);
      const wire = Buffer.concat([encodeReply(r1, mode), encodeReply(r2, mode)]);
      const out = [...wire].flatMap((b) => d.push(Buffer.from([b])));
      assert.deepEqual(out, [r1, r2]);
    }
  });

  it('drops a partial frame interrupted by STX, and gives unclosed lines at the end in line mode', () => {
    const d = new ReplyDecoder('framed');
    assert.deepEqual(d.push(bytes(`\x02PARTIAL${encodeFramed(r2).toString('latin1')}`)), [r2]);
    const l = new ReplyDecoder('line');
    assert.deepEqual(l.push(bytes('A\r\nB')), []);
    assert.deepEqual(l.end(), [['A', 'B']]);
  });

  it('refuses a reply longer than its limit', () => {
    const d = new ReplyDecoder('framed', { maxReply: 10 });
    assert.throws(() => d.push(bytes(`\x02${'X'.repeat(11)}`)), RangeError);
  });
});
