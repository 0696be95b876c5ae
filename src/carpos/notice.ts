// The NOTE a court's terminals get when DOJ rejects one of its orders' transactions: lines of at
// most 80 columns, printable ASCII, upper case (ICD 2).

const WIDTH = 80;
const INDENT = '   ';

/** Upper case, printable ASCII only, one space between words, at most `max` characters. */
export function plain(text: string, max = 300): string {
  const s = text.toUpperCase().replace(/[^\x20-\x7e]+/g, ' ').replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** Words to lines of at most `width`; continuation lines indented by three spaces. */
export function wrap(text: string, width = WIDTH): string[] {
  const out: string[] = [];
  let line = '';
  for (let word of text.split(' ').filter(Boolean)) {
    for (;;) {
      const sep = line.trim() === '' ? '' : ' ';
      if (line.length + sep.length + word.length <= width) {
        line += sep + word;
        break;
      }
      if (line.trim() !== '') {
        out.push(line);
        line = INDENT;
        continue;
      }
      const room = width - line.length; // a word longer than a line is cut
      out.push(line + word.slice(0, room));
      word = word.slice(room);
      line = INDENT;
    }
  }
  if (line.trim() !== '') out.push(line);
  return out;
}

export function rejectionNotice(r: { action: string; pno: string; reason: string; held: number; cti: string }): string[] {
  const lines = wrap(`CARPOS REJECTED ${r.action} OF PNO/${r.pno} - ${plain(r.reason)}`);
  lines.push(
    r.action === 'ENTER'
      ? `CTI/${r.cti} THE ORDER IS NOT IN CARPOS UNTIL IT IS CORRECTED AND SENT AGAIN`
      : `CTI/${r.cti} CARPOS DOES NOT SHOW THIS ${r.action} UNTIL IT IS SENT AGAIN`,
  );
  lines.push(
    r.held > 0
      ? `${r.held} LATER CHANGE${r.held === 1 ? '' : 'S'} OF THIS ORDER HELD UNTIL THEN`
      : 'LATER CHANGES OF THIS ORDER ARE HELD UNTIL THEN',
  );
  return lines;
}
