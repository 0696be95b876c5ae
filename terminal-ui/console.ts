// The green-screen console: a keyboard-driven blessed application that dispatchers, officers and
// court staff use. It is a protocol client: it composes ICD message texts, sends them through a
// ProtocolLink and reads the replies (in order, one per request: a FIFO says which screen asked)
// and the unsolicited traffic (MSG, NOTE). It never imports db/ or src/.
//
//   banner ──Y──▶ sign-on ──SON ACK──▶ main (query, results, detail, messages, forms) ──F10──▶ SOF, exit
//                                        │ ▲
//                          NOTE locked   ▼ │ SON ACK
//                                       lock
//
// Many consoles run in one process (one per SSH session): all state lives in the instance, and
// blessed's process-wide handlers (which would exit the process) are taken off again.
import blessed from 'blessed';
import type { Widgets } from 'blessed';
import type { ParsedReply } from '../protocol/index.ts';
import {
  ADMIN_MESSAGE,
  ENTRY,
  FormState,
  HISTORY_ROLES,
  inquiryForms,
  maySend,
  SERVICE,
  SIGN_ON,
  UNLOCK,
  type BuildContext,
} from './forms.ts';
import type { ProtocolLink } from './link.ts';
import { ackLines, headerStatus, isUnsolicited, readHit, readReply, readSignOn, rejectLine, type SignedOn } from './replies.ts';
import {
  Canvas,
  drawBanner,
  drawDetail,
  drawForm,
  drawHelp,
  drawMessages,
  drawReply,
  drawResults,
  escapeTags,
  legendLine,
  type Received,
  type ResultView,
  type Style,
} from './screens.ts';
import { localClock, statusLine } from './status-line.ts';
import { blessedTerminal } from './terminals.ts';

export { TERMINALS, isAllowedTerminal, blessedTerminal } from './terminals.ts';

export interface ConsoleOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream & { columns: number; rows: number; isTTY?: boolean };
  terminal: string;
  link: ProtocolLink;
  timeZone: string;
  now?: () => Date;
  onExit(reason: string): void;
}

export interface ConsoleHandle {
  resize(columns: number, rows: number): void;
  destroy(): void;
}

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;
/** How long F10 waits for the SOF acknowledgement before leaving anyway. */
export const SIGN_OFF_WAIT_MS = 3000;

export function startConsole(o: ConsoleOptions): ConsoleHandle {
  let app: ConsoleApp;
  try {
    app = new ConsoleApp(o);
  } catch (err) {
    // Never throw into the SSH server: the session ends with the reason instead.
    const later = setImmediate(() => o.onExit(`CONSOLE ERROR: ${(err as Error)?.message ?? String(err)}`));
    return { resize() {}, destroy: () => clearImmediate(later) };
  }
  return {
    resize: (columns, rows) => app.resize(columns, rows),
    destroy: () => app.destroy(),
  };
}

// ---------------------------------------------------------------------------------------------

type Phase = 'banner' | 'signon' | 'signing-on' | 'main' | 'signing-off' | 'done';
type View = 'query' | 'results' | 'detail' | 'messages' | 'help' | 'entry' | 'service' | 'am' | 'reply';
type Command = 'help' | 'query' | 'details' | 'messages' | 'am' | 'entry' | 'service' | 'signoff';

type Pending =
  | { kind: 'SON' }
  | { kind: 'LOCK' }
  | { kind: 'SOF' }
  | { kind: 'QPO'; asked: string; form: FormState }
  | { kind: 'EPO' | 'SPO' | 'AM'; asked: string; form: FormState };

interface KeyInfo {
  key: string;
  label: string;
  command: Command;
  what: string;
}

const FUNCTION_KEYS: Record<string, Command> = {
  f1: 'help',
  f2: 'query',
  f3: 'details',
  f4: 'messages',
  f5: 'am',
  f6: 'entry',
  f7: 'service',
  f10: 'signoff',
};
// ESC followed by a digit, for terminals without function keys (vt100 has PF1-PF4 only).
const META_KEYS: Record<string, Command> = {
  'M-1': 'help',
  'M-2': 'query',
  'M-3': 'details',
  'M-4': 'messages',
  'M-5': 'am',
  'M-6': 'entry',
  'M-7': 'service',
  'M-0': 'signoff',
};

type Listener = (...args: unknown[]) => void;
type Emitter = NodeJS.EventEmitter;

/** The listeners an emitter has per event, to take off exactly what blessed added. */
function snapshot(e: Emitter, events: readonly string[]): Map<string, Listener[]> {
  return new Map(events.map((ev) => [ev, e.listeners(ev) as Listener[]]));
}

function added(e: Emitter, before: Map<string, Listener[]>): [string, Listener][] {
  const out: [string, Listener][] = [];
  for (const [ev, old] of before) for (const l of e.listeners(ev) as Listener[]) if (!old.includes(l)) out.push([ev, l]);
  return out;
}

/** blessed installs exit-on-signal and exit-on-exception handlers on `process`: take them off. */
function removeBlessedProcessHandlers(): void {
  const screenStatics = (blessed as unknown as { widget: { Screen: Record<string, Listener | undefined> } }).widget.Screen;
  const pairs: [string, string][] = [
    ['uncaughtException', '_exceptionHandler'],
    ['SIGTERM', '_sigtermHandler'],
    ['SIGINT', '_sigintHandler'],
    ['SIGQUIT', '_sigquitHandler'],
    ['exit', '_exitHandler'],
  ];
  for (const [ev, key] of pairs) {
    const l = screenStatics[key];
    if (l) process.removeListener(ev, l);
  }
  const programExit = (blessed.program as unknown as Record<string, Listener | undefined>)._exitHandler;
  if (programExit) process.removeListener('exit', programExit);
}

/** The console itself; startConsole() is its public face. Exported for tests (screenText). */
export class ConsoleApp {
  readonly #o: ConsoleOptions;
  readonly #now: () => Date;
  readonly #local: (d: Date) => string;
  readonly #screen: Widgets.Screen;
  readonly #boxes: Record<'status' | 'title' | 'main' | 'hint' | 'notice' | 'legend' | 'enlarge', Widgets.BoxElement>;
  readonly #streamListeners: [Emitter, string, Listener][] = [];
  readonly #clock: NodeJS.Timeout;
  #signOffTimer: NodeJS.Timeout | undefined;

  #phase: Phase = 'banner';
  #destroyed = false;
  #finished = false;
  #linkClosed = false;
  #session: SignedOn | undefined;
  #locked = false;
  #view: View = 'query';
  #back: View[] = [];
  /** The line above the legend; a sticky notice (new messages) stays until read, others until the next key. */
  #notice: { text: string; style: Style; sticky: boolean } = { text: '', style: '', sticky: false };
  readonly #fifo: Pending[] = [];

  readonly #signOn = new FormState(SIGN_ON);
  #unlock: FormState | undefined;
  #queries: FormState[] = [];
  #queryIndex = 0;
  #entry: FormState | undefined;
  #service: FormState | undefined;
  #am: FormState | undefined;

  #result: ResultView | undefined;
  #selected = 0;
  #detailOffset = 0;
  #reply: { title: string; lines: string[] } | undefined;
  readonly #messages: Received[] = [];
  #unread = 0;
  #messageOffset = 0;
  /** What the screen shows, as plain text rows (for tests and for the README's screenshot). */
  #text: string[] = [];
  #statusText = '';

  constructor(o: ConsoleOptions) {
    this.#o = o;
    this.#now = o.now ?? (() => new Date());
    this.#local = localClock(o.timeZone);

    const input = o.input as unknown as Emitter;
    const output = o.output as unknown as Emitter;
    const inputBefore = snapshot(input, ['data', 'keypress', 'newListener']);
    const outputBefore = snapshot(output, ['resize']);
    const screenOptions = {
      input: o.input,
      output: o.output,
      terminal: blessedTerminal(o.terminal),
      smartCSR: true,
      fullUnicode: false,
      forceUnicode: false,
      warnings: false,
      autoPadding: true,
      dockBorders: false,
      title: undefined,
      cursor: { artificial: false, shape: 'block', blink: false, color: null },
    };
    this.#screen = blessed.screen(screenOptions as unknown as Widgets.IScreenOptions);
    removeBlessedProcessHandlers();

    const box = (style: Record<string, unknown>) =>
      blessed.box({ parent: this.#screen, top: 0, left: 0, width: 1, height: 1, tags: true, wrap: false, style } as Widgets.BoxOptions);
    const green = { fg: 'green', bg: 'black' };
    const bar = { fg: 'black', bg: 'green' };
    this.#boxes = {
      status: box(bar),
      title: box({ ...green, bold: true }),
      main: box(green),
      hint: box(green),
      notice: box(green),
      legend: box(bar),
      enlarge: box(green),
    };
    this.#screen.on('keypress', (ch: string | undefined, key: Widgets.Events.IKeyEventArg) => this.#guard(() => this.#key(ch, key)));
    this.#screen.on('resize', () => this.#guard(() => this.#render()));

    for (const [ev, l] of added(input, inputBefore)) this.#streamListeners.push([input, ev, l]);
    for (const [ev, l] of added(output, outputBefore)) this.#streamListeners.push([output, ev, l]);

    o.link.onMessage((lines) => this.#guard(() => this.#message(lines)));
    o.link.onClose((reason) => {
      this.#linkClosed = true;
      this.#finish(`CONNECTION CLOSED: ${reason}`.trimEnd());
    });
    this.#clock = setInterval(() => this.#guard(() => this.#tick()), 1000);
    this.#guard(() => this.#render());
  }

  /** The plain text of every row as last drawn. */
  screenText(): string[] {
    return [...this.#text];
  }

  resize(columns: number, rows: number): void {
    if (this.#destroyed) return;
    const p = this.#screen.program as unknown as { cols: number; rows: number; emit(ev: string): void };
    p.cols = columns;
    p.rows = rows;
    p.emit('resize'); // blessed reallocates and redraws; the screen's 'resize' re-lays out ours
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#finished = true;
    clearInterval(this.#clock);
    if (this.#signOffTimer) clearTimeout(this.#signOffTimer);
    this.#signOffTimer = undefined;
    try {
      this.#screen.destroy(); // leaves the alternate screen, gives the terminal back
    } finally {
      for (const [e, ev, l] of this.#streamListeners) e.removeListener(ev, l);
      const input = this.#o.input as unknown as Record<string, unknown>;
      if (!input._blessedInput) delete input._keypressDecoder; // another console may use this stream later
      removeBlessedProcessHandlers();
    }
  }

  /**
   * Runs an event handler. Many consoles share the SSH server's process: a fault in one ends that
   * console (onExit with the reason), never the process.
   */
  #guard(fn: () => void): void {
    if (this.#destroyed) return;
    try {
      fn();
    } catch (err) {
      this.#finish(`CONSOLE ERROR: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  // ---- link ---------------------------------------------------------------------------------

  #send(text: string, pending: Pending): boolean {
    if (this.#linkClosed || this.#finished) return false;
    try {
      this.#o.link.send(text);
    } catch (err) {
      this.#setNotice(`NOT SENT: ${(err as Error).message}`.toUpperCase(), 'alert');
      return false;
    }
    this.#fifo.push(pending);
    return true;
  }

  #message(lines: string[]): void {
    if (this.#destroyed || this.#finished || lines.length === 0) return;
    if (isUnsolicited(lines)) this.#unsolicited(lines);
    else this.#route(this.#fifo.shift(), readReply(lines), lines);
    this.#render();
  }

  #unsolicited(lines: string[]): void {
    const header = lines[0]!;
    const body = lines.slice(1);
    const text = body.join(' ');
    if (/CONNECTION CLOSED AFTER INACTIVITY/.test(text)) {
      this.#finish('CONNECTION CLOSED AFTER INACTIVITY');
      return;
    }
    const mke = header.slice(0, 4).trimEnd();
    const status = headerStatus(header);
    this.#messages.push({ time: header.slice(27, 41), mke, status, lines: body });
    const reading = this.#phase === 'main' && !this.#locked && this.#view === 'messages';
    if (!reading) this.#unread += 1;
    if (/SESSION LOCKED/.test(text) && this.#session && (this.#phase === 'main' || this.#phase === 'signing-off')) {
      this.#lock();
      return;
    }
    if (this.#phase === 'main' && !this.#locked && !reading) this.#setNotice(`NEW ${mke} ${status} - F4 TO READ (${this.#unread} UNREAD)`, 'bold', true);
  }

  #route(p: Pending | undefined, r: ParsedReply | undefined, lines: string[]): void {
    if (!r) {
      this.#setNotice(`UNREADABLE REPLY: ${lines[0] ?? ''}`, 'alert');
      return;
    }
    if (!p) {
      this.#setNotice(`REPLY WITHOUT A REQUEST: ${r.mke} ${r.status} ${r.body[0] ?? ''}`.trimEnd(), 'alert');
      return;
    }
    switch (p.kind) {
      case 'SON':
        return this.#signOnReply(r);
      case 'LOCK':
        return this.#unlockReply(r);
      case 'SOF':
        return this.#finish(r.status === 'ACK' ? 'SIGNED OFF' : `SIGN-OFF ANSWERED ${rejectLine(r)}`);
      case 'QPO':
        return this.#queryReply(p, r);
      default:
        return this.#writeReply(p, r);
    }
  }

  // ---- sign-on, lock, sign-off ----------------------------------------------------------------

  #acknowledgeBanner(): void {
    const authenticated = this.#o.link.authenticatedUser;
    if (authenticated && this.#o.link.signOnAuthenticated) {
      this.#phase = 'signing-on';
      this.#signOn.set('USR', authenticated.toUpperCase());
      this.#fifo.push({ kind: 'SON' });
      try {
        this.#o.link.signOnAuthenticated();
      } catch (err) {
        this.#fifo.pop();
        this.#phase = 'signon';
        this.#signOn.error = `SIGN-ON FAILED: ${(err as Error).message}`.toUpperCase();
      }
      this.#setNotice(`SIGNING ON AS ${authenticated.toUpperCase()}...`, '');
      return;
    }
    this.#phase = 'signon';
    this.#setNotice('', '');
  }

  #submitSignOn(): void {
    const built = this.#signOn.build({ ori: '', role: '', user: '' });
    if (!built.ok) return;
    // The password goes out once and is not kept, not even on screen.
    this.#signOn.clear(['PWD', 'OTP']);
    if (this.#send(built.text, { kind: 'SON' })) {
      this.#phase = 'signing-on';
      this.#setNotice('SIGNING ON...', '');
    }
  }

  #signOnReply(r: ParsedReply): void {
    const who = r.status === 'ACK' ? readSignOn(r.body) : undefined;
    if (who) {
      this.#startSession(who);
      return;
    }
    this.#phase = 'signon';
    const why = r.status === 'REJ' ? rejectLine(r) : `UNEXPECTED REPLY: ${r.mke} ${r.status}`;
    this.#signOn.rejected(why);
    if (!/^REJ FLD/.test(why)) this.#signOn.focusOn(this.#signOn.value('USR') && this.#signOn.value('ORI') ? 'PWD' : 'USR');
    this.#setNotice('', '');
  }

  #startSession(who: SignedOn): void {
    const first = !this.#session;
    this.#session = who;
    this.#phase = 'main';
    this.#signOn.clear();
    if (first) {
      this.#queries = inquiryForms(who.role).map((d) => new FormState(d));
      this.#entry = maySend(who.role, 'EPO') ? new FormState(ENTRY, { CTI: who.ori }) : undefined;
      this.#service = maySend(who.role, 'SPO') ? new FormState(SERVICE) : undefined;
      this.#am = maySend(who.role, 'AM') ? new FormState(ADMIN_MESSAGE) : undefined;
      this.#view = 'query';
    }
    this.#setNotice(`SIGNED ON ${who.user} ${who.role} ${who.ori}`, 'bold');
  }

  #lock(): void {
    this.#locked = true;
    this.#unlock = new FormState(UNLOCK);
    this.#setNotice('SESSION LOCKED AFTER INACTIVITY - SIGN ON AGAIN', 'alert');
  }

  #submitUnlock(): void {
    const u = this.#unlock;
    const s = this.#session;
    if (!u || !s) return;
    const built = u.build(this.#context());
    if (!built.ok) return;
    u.clear(['PWD', 'OTP']);
    if (this.#send(built.text, { kind: 'LOCK' })) this.#setNotice('SIGNING ON...', '');
  }

  #unlockReply(r: ParsedReply): void {
    const who = r.status === 'ACK' ? readSignOn(r.body) : undefined;
    if (who) {
      this.#locked = false;
      this.#unlock = undefined;
      this.#session = who;
      this.#setNotice(`SESSION RESUMED - SIGNED ON ${who.user} ${who.role} ${who.ori}`, 'bold');
      return;
    }
    if (this.#unlock) {
      this.#unlock.rejected(r.status === 'REJ' ? rejectLine(r) : `UNEXPECTED REPLY: ${r.mke} ${r.status}`);
      this.#unlock.focusOn('PWD');
    }
    this.#setNotice('', '');
  }

  #signOff(): void {
    if (this.#phase === 'signing-off' || this.#finished) return;
    if (!this.#session || this.#locked || this.#phase !== 'main') {
      this.#finish(this.#session ? 'SIGNED OFF (SESSION LOCKED)' : 'QUIT BEFORE SIGN-ON');
      return;
    }
    this.#phase = 'signing-off';
    this.#setNotice('SIGNING OFF...', 'bold');
    if (!this.#send(`SOF.${this.#session.ori}`, { kind: 'SOF' })) {
      this.#finish('SIGNED OFF');
      return;
    }
    this.#signOffTimer = setTimeout(() => {
      this.#signOffTimer = undefined;
      this.#finish('SIGNED OFF (NO ACKNOWLEDGEMENT)');
    }, SIGN_OFF_WAIT_MS);
  }

  #finish(reason: string): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#phase = 'done';
    if (this.#signOffTimer) clearTimeout(this.#signOffTimer);
    this.#signOffTimer = undefined;
    this.#o.onExit(reason);
  }

  // ---- replies to the main screens --------------------------------------------------------

  #queryReply(p: Extract<Pending, { kind: 'QPO' }>, r: ParsedReply): void {
    const onForm = this.#view === 'query' && this.#queries[this.#queryIndex] === p.form;
    if (r.status === 'REJ') {
      p.form.rejected(rejectLine(r));
      if (!onForm) this.#setNotice(`QPO ${p.form.error}`, 'alert');
      return;
    }
    const view: ResultView =
      r.status === 'HIT'
        ? { asked: p.asked, status: 'HIT', hit: readHit(r), lines: r.body, time: r.time }
        : { asked: p.asked, status: r.status === 'NREC' ? 'NREC' : 'OTHER', lines: r.body, time: r.time };
    p.form.error = '';
    p.form.focus = 0; // a new inquiry starts at the first field
    this.#result = view;
    this.#selected = 0;
    this.#detailOffset = 0;
    if (onForm) {
      this.#show('results');
      if (!this.#notice.sticky) this.#setNotice('', '');
    } else {
      this.#setNotice(`QPO ${r.status}: ${p.asked} - F3 TO VIEW`, 'bold');
    }
  }

  #writeReply(p: Extract<Pending, { kind: 'EPO' | 'SPO' | 'AM' }>, r: ParsedReply): void {
    const view: View = p.kind === 'EPO' ? 'entry' : p.kind === 'SPO' ? 'service' : 'am';
    const here = this.#view === view;
    if (r.status !== 'ACK') {
      p.form.rejected(r.status === 'REJ' ? rejectLine(r) : `UNEXPECTED REPLY: ${r.mke} ${r.status}`);
      if (!here) this.#setNotice(`${p.kind} ${p.form.error}`, 'alert');
      return;
    }
    const title = p.kind === 'EPO' ? 'EPO ACK - ORDER ENTERED' : p.kind === 'SPO' ? 'SPO ACK - SERVICE RECORDED' : 'AM ACK - MESSAGE SENT';
    this.#reply = { title, lines: [...ackLines(r), '', `SENT: ${p.asked}`] };
    p.form.error = '';
    if (p.kind === 'EPO') p.form.clear(ENTRY.fields.filter((f) => f.key !== 'CTI').map((f) => f.key));
    else if (p.kind === 'AM') p.form.clear(['MIS']);
    else p.form.clear();
    p.form.focus = 0;
    if (here) {
      this.#show('reply');
      if (!this.#notice.sticky) this.#setNotice('', '');
    }
    else this.#setNotice(`${title}: ${r.body[0] ?? ''}`, 'bold');
  }

  // ---- keys --------------------------------------------------------------------------------

  #keys(): KeyInfo[] {
    const role = this.#session?.role ?? '';
    const k: KeyInfo[] = [
      { key: 'F1', label: 'HELP', command: 'help', what: 'THIS HELP' },
      { key: 'F2', label: 'QUERY', command: 'query', what: 'INQUIRY (QPO): NAM+DOB, PPN+PPB, PNO, FCN, OLN+OLS, OCA+CTI' },
      { key: 'F3', label: 'DETAIL', command: 'details', what: 'RESULT LIST; ON THE LIST, THE SELECTED RECORD IN FULL' },
      { key: 'F4', label: 'MSGS', command: 'messages', what: 'MESSAGES RECEIVED (AM, YQ, YR, NOTICES)' },
    ];
    if (maySend(role, 'AM')) k.push({ key: 'F5', label: 'AM', command: 'am', what: 'SEND AN ADMINISTRATIVE MESSAGE TO AN ORI' });
    if (maySend(role, 'EPO')) k.push({ key: 'F6', label: 'ENTRY', command: 'entry', what: 'ENTER AN ORDER (EPO)' });
    if (maySend(role, 'SPO')) k.push({ key: 'F7', label: 'SERVICE', command: 'service', what: 'RECORD SERVICE OF AN ORDER (SPO)' });
    k.push({ key: 'F10', label: 'SIGN OFF', command: 'signoff', what: 'SIGN OFF (SOF) AND DISCONNECT' });
    return k;
  }

  #command(key: Widgets.Events.IKeyEventArg): Command | undefined {
    const full = key.full ?? key.name ?? '';
    if (full === 'C-c') return 'signoff';
    return FUNCTION_KEYS[full] ?? META_KEYS[full];
  }

  #key(ch: string | undefined, key: Widgets.Events.IKeyEventArg | undefined): void {
    if (this.#destroyed || this.#finished || !key) return;
    // blessed reports Enter twice (as `enter`, then as `return`): act on `enter` only.
    if (key.name === 'return') return;
    if (!this.#notice.sticky) this.#setNotice('', '');
    const command = this.#command(key);
    if (this.#tooSmall()) {
      if (command === 'signoff') this.#signOff();
      return;
    }
    switch (this.#phase) {
      case 'banner':
        if (key.name === 'enter' || ch === 'y' || ch === 'Y') this.#acknowledgeBanner();
        else if (key.name === 'escape' || ch === 'n' || ch === 'N') this.#finish('BANNER NOT ACKNOWLEDGED');
        break;
      case 'signon':
        if (command === 'signoff') this.#finish('QUIT BEFORE SIGN-ON');
        else if (this.#formKey(this.#signOn, ch, key)) this.#submitSignOn();
        break;
      case 'signing-on':
        if (command === 'signoff') this.#finish('QUIT BEFORE SIGN-ON');
        break;
      case 'main':
        if (this.#locked) {
          if (command === 'signoff') this.#signOff();
          else if (this.#unlock && this.#formKey(this.#unlock, ch, key)) this.#submitUnlock();
        } else if (command) {
          this.#run(command);
        } else {
          this.#viewKey(ch, key);
        }
        break;
      default:
        break;
    }
    this.#render();
  }

  /** Editing keys of a form; true when the user asked to send it (Enter). */
  #formKey(f: FormState, ch: string | undefined, key: Widgets.Events.IKeyEventArg): boolean {
    switch (key.full ?? key.name) {
      case 'enter':
      case 'linefeed':
        return true;
      case 'tab':
      case 'down':
        f.next();
        return false;
      case 'S-tab':
      case 'up':
        f.prev();
        return false;
      case 'backspace':
        f.backspace();
        return false;
      case 'C-u':
        f.clearField();
        return false;
      case 'C-x':
        f.clear(f.def.fields.filter((x) => x.key !== 'CTI').map((x) => x.key));
        f.focus = 0;
        f.error = '';
        return false;
      default:
        if (ch && ch.length === 1 && !key.ctrl && !key.meta) {
          const refused = f.type(ch);
          if (refused) this.#setNotice(refused, 'alert');
        }
        return false;
    }
  }

  #run(command: Command): void {
    switch (command) {
      case 'help':
        return this.#show('help');
      case 'query':
        if (this.#view === 'query') this.#cycleQuery(1);
        return this.#show('query');
      case 'details':
        if (this.#view === 'results' && this.#result?.hit?.rows.length) return this.#show('detail');
        if (this.#view === 'detail') return this.#show('results');
        if (!this.#result) return this.#setNotice('NO INQUIRY RESULT YET - F2 TO ASK', '');
        return this.#show('results');
      case 'messages':
        return this.#show('messages');
      case 'am':
        return this.#am ? this.#show('am') : this.#setNotice('AM NOT PERMITTED FOR YOUR ROLE', 'alert');
      case 'entry':
        return this.#entry ? this.#show('entry') : this.#setNotice('EPO NOT PERMITTED FOR YOUR ROLE', 'alert');
      case 'service':
        if (!this.#service) return this.#setNotice('SPO NOT PERMITTED FOR YOUR ROLE', 'alert');
        this.#prefillPno(this.#service);
        return this.#show('service');
      case 'signoff':
        return this.#signOff();
    }
  }

  /** Opening the service form from a record fills in its PNO. */
  #prefillPno(f: FormState): void {
    const row = this.#result?.hit?.rows[this.#selected];
    if (row && (this.#view === 'detail' || this.#view === 'results') && f.value('PNO') === '') f.set('PNO', row.pno);
  }

  #show(view: View): void {
    if (view !== this.#view) {
      this.#back.push(this.#view);
      if (this.#back.length > 20) this.#back.shift();
    }
    this.#view = view;
    if (view === 'messages') {
      this.#unread = 0;
      this.#messageOffset = 0;
      if (this.#notice.sticky) this.#setNotice('', '');
    }
    if (view === 'detail') this.#detailOffset = 0;
  }

  #goBack(): void {
    const to = this.#back.pop();
    if (to) this.#view = to;
  }

  #cycleQuery(step: number): void {
    const n = this.#queries.length;
    if (n > 0) this.#queryIndex = (this.#queryIndex + step + n) % n;
  }

  #viewKey(ch: string | undefined, key: Widgets.Events.IKeyEventArg): void {
    const name = key.full ?? key.name ?? '';
    const form = this.#viewForm();
    if (name === 'escape') {
      if (this.#view === 'detail') this.#view = 'results';
      else if (!form) this.#goBack();
      return;
    }
    if (form) {
      if (this.#view === 'query' && (name === 'pageup' || name === 'pagedown')) {
        this.#cycleQuery(name === 'pageup' ? -1 : 1);
        return;
      }
      if (this.#formKey(form, ch, key)) this.#submit(form);
      return;
    }
    const page = Math.max(1, this.#mainHeight() - 4);
    switch (this.#view) {
      case 'results': {
        const rows = this.#result?.hit?.rows.length ?? 0;
        if (name === 'up') this.#selected = Math.max(0, this.#selected - 1);
        else if (name === 'down') this.#selected = Math.min(Math.max(0, rows - 1), this.#selected + 1);
        else if (name === 'pageup') this.#selected = Math.max(0, this.#selected - page);
        else if (name === 'pagedown') this.#selected = Math.min(Math.max(0, rows - 1), this.#selected + page);
        else if ((name === 'enter' || name === 'linefeed') && rows > 0) this.#show('detail');
        return;
      }
      case 'detail': {
        if (name === 'up') this.#detailOffset = Math.max(0, this.#detailOffset - 1);
        else if (name === 'down') this.#detailOffset += 1;
        else if (name === 'pageup') this.#detailOffset = Math.max(0, this.#detailOffset - page);
        else if (name === 'pagedown') this.#detailOffset += page;
        return;
      }
      case 'messages': {
        if (name === 'up') this.#messageOffset = Math.max(0, this.#messageOffset - 1);
        else if (name === 'down') this.#messageOffset += 1;
        else if (name === 'pageup') this.#messageOffset = Math.max(0, this.#messageOffset - page);
        else if (name === 'pagedown') this.#messageOffset += page;
        return;
      }
      default:
        if (name === 'enter' || name === 'linefeed') this.#goBack();
    }
  }

  #viewForm(): FormState | undefined {
    switch (this.#view) {
      case 'query':
        return this.#queries[this.#queryIndex];
      case 'entry':
        return this.#entry;
      case 'service':
        return this.#service;
      case 'am':
        return this.#am;
      default:
        return undefined;
    }
  }

  #context(): BuildContext {
    const s = this.#session;
    return { ori: s?.ori ?? '', role: s?.role ?? '', user: s?.user ?? '' };
  }

  #submit(form: FormState): void {
    const built = form.build(this.#context());
    if (!built.ok) return;
    const kind = form.def.mke;
    const pending: Pending =
      kind === 'QPO'
        ? { kind: 'QPO', asked: built.summary, form }
        : { kind: kind as 'EPO' | 'SPO' | 'AM', asked: built.summary, form };
    if (this.#send(built.text, pending)) this.#setNotice(`SENT: ${built.summary}`, '');
  }

  // ---- drawing -------------------------------------------------------------------------------

  #setNotice(text: string, style: Style, sticky = false): void {
    this.#notice = { text, style, sticky };
  }

  #tooSmall(): boolean {
    return this.#width() < MIN_COLUMNS || this.#height() < MIN_ROWS;
  }

  #width(): number {
    return Number(this.#screen.width) || 0;
  }

  #height(): number {
    return Number(this.#screen.height) || 0;
  }

  #mainHeight(): number {
    return Math.max(1, this.#height() - 5);
  }

  #tick(): void {
    if (this.#destroyed) return;
    this.#drawStatus();
    this.#screen.render();
  }

  #drawStatus(): void {
    const s = this.#session;
    const line = statusLine(
      {
        user: s?.user,
        role: s?.role,
        ori: s?.ori,
        connection: this.#o.link.connection,
        unread: this.#unread,
        now: this.#now(),
        locked: this.#locked,
      },
      this.#local,
      this.#width(),
    );
    this.#statusText = line;
    if (this.#text.length > 0 && !this.#tooSmall()) this.#text[0] = line;
    this.#boxes.status.setContent(escapeTags(line));
  }

  #place(b: Widgets.BoxElement, top: number, height: number, width: number): void {
    b.top = top;
    b.left = 0;
    b.width = width;
    b.height = Math.max(1, height);
  }

  #render(): void {
    if (this.#destroyed) return;
    const w = this.#width();
    const h = this.#height();
    const b = this.#boxes;
    if (w < 1 || h < 1) return;
    if (this.#tooSmall()) {
      for (const x of Object.values(b)) x.hide();
      this.#place(b.enlarge, 0, h, Math.max(1, w));
      const c = new Canvas(Math.max(1, w), Math.max(1, h));
      const mid = Math.floor(h / 2);
      c.center(Math.max(0, mid - 1), `ENLARGE TO ${MIN_COLUMNS}x${MIN_ROWS}`, 'inverse');
      c.center(mid + 1, `NOW ${w}x${h}`);
      b.enlarge.setContent(c.tagged().join('\n'));
      this.#text = c.text();
      b.enlarge.show();
      this.#screen.render();
      return;
    }
    b.enlarge.hide();
    for (const [k, x] of Object.entries(b)) if (k !== 'enlarge') x.show();
    const mainHeight = this.#mainHeight();
    this.#place(b.status, 0, 1, w);
    this.#place(b.title, 1, 1, w);
    this.#place(b.main, 2, mainHeight, w);
    this.#place(b.hint, h - 3, 1, w);
    this.#place(b.notice, h - 2, 1, w);
    this.#place(b.legend, h - 1, 1, w);

    this.#drawStatus();
    const main = new Canvas(w, mainHeight);
    const { title, hint, legend } = this.#drawMain(main);
    const titleLine = new Canvas(w, 1);
    titleLine.put(0, 1, title, 'bold');
    if (this.#fifo.length > 0) {
      const waiting = `WAITING FOR ${this.#fifo.length} REPL${this.#fifo.length === 1 ? 'Y' : 'IES'}`;
      titleLine.put(0, w - waiting.length - 1, waiting, 'inverse');
    }
    b.title.setContent(titleLine.tagged()[0] ?? '');
    b.main.setContent(main.tagged().join('\n'));
    const hintLine = new Canvas(w, 1);
    hintLine.put(0, 1, hint);
    b.hint.setContent(hintLine.tagged()[0] ?? '');
    const noticeLine = new Canvas(w, 1);
    noticeLine.put(0, 1, this.#notice.text, this.#notice.style);
    b.notice.setContent(noticeLine.tagged()[0] ?? '');
    const legendText = ` ${legendLine(legend, w - 2)}`;
    b.legend.setContent(escapeTags(legendText));
    this.#text = [
      this.#statusText,
      ...titleLine.text(),
      ...main.text(),
      ...hintLine.text(),
      ...noticeLine.text(),
      legendText,
    ];
    this.#screen.render();
  }

  /** Draws the main area for the current phase and view; returns the title, hint and legend. */
  #drawMain(c: Canvas): { title: string; hint: string; legend: { key: string; label: string }[] } {
    const signOnLegend = [
      { key: 'ENTER', label: 'SIGN ON' },
      { key: 'TAB', label: 'NEXT FIELD' },
      { key: 'F10', label: 'QUIT' },
    ];
    switch (this.#phase) {
      case 'banner':
        drawBanner(c);
        return {
          title: 'SYSTEM USE NOTIFICATION',
          hint: 'NOTHING FROM THE REGISTRY IS SHOWN BEFORE SIGN-ON.',
          legend: [
            { key: 'Y', label: 'I ACKNOWLEDGE' },
            { key: 'N/ESC', label: 'DISCONNECT' },
          ],
        };
      case 'signon':
      case 'signing-on': {
        c.put(0, 1, 'ENTER YOUR USER NAME, YOUR AGENCY ORI AND YOUR PASSWORD.');
        drawForm(c, this.#signOn, 2, 1, this.#phase === 'signon');
        this.#formError(c, this.#signOn);
        return { title: 'SIGN ON (SON)', hint: this.#signOn.field.hint, legend: signOnLegend };
      }
      default:
        break;
    }
    if (!this.#session) {
      c.put(0, 1, 'DISCONNECTED.');
      return { title: 'SESSION ENDED', hint: '', legend: [] };
    }
    if (this.#locked && this.#unlock) {
      const s = this.#session!;
      c.put(0, 1, 'SESSION LOCKED AFTER INACTIVITY. NOTHING IS SHOWN UNTIL YOU SIGN ON AGAIN.', 'alert');
      c.put(2, 1, `USER ${s.user}   ORI ${s.ori}`);
      drawForm(c, this.#unlock, 4, 1);
      this.#formError(c, this.#unlock);
      return {
        title: 'SESSION LOCKED',
        hint: this.#unlock.field.hint,
        legend: [{ key: 'ENTER', label: 'SIGN ON' }, { key: 'F10', label: 'SIGN OFF' }],
      };
    }
    const legend = this.#keys();
    switch (this.#view) {
      case 'query': {
        const f = this.#queries[this.#queryIndex]!;
        const tabs = this.#queries.map((q, i) => `${i + 1} ${q.def.fields.filter((x) => x.key !== 'HST').map((x) => x.tag).join('+')}`);
        let col = 1;
        c.put(0, col, 'FORM:');
        col += 6;
        tabs.forEach((t, i) => {
          c.put(0, col, ` ${t} `, i === this.#queryIndex ? 'inverse' : '');
          col += t.length + 3;
        });
        c.put(1, 1, `${f.def.title}   (PGUP/PGDN OR F2: OTHER FORMS)`);
        drawForm(c, f, 3);
        this.#formError(c, f);
        return { title: `QPO INQUIRY - FORM ${this.#queryIndex + 1} OF ${this.#queries.length}`, hint: `${f.field.hint}  - ENTER SENDS`, legend };
      }
      case 'results': {
        const r = this.#result;
        if (!r) {
          c.put(0, 1, 'NO INQUIRY RESULT YET - F2 TO ASK.');
          return { title: 'RESULTS', hint: '', legend };
        }
        drawResults(c, r, this.#selected);
        const title = r.status === 'HIT' ? `QPO HIT - ${r.hit!.rows.length} RECORD(S)` : `QPO ${r.status}`;
        return { title, hint: r.status === 'HIT' ? 'UP/DOWN SELECT - ENTER OR F3: RECORD IN FULL - F7: RECORD SERVICE' : 'F2: NEW INQUIRY', legend };
      }
      case 'detail': {
        const r = this.#result;
        if (!r?.hit || !r.hit.rows[this.#selected]) {
          this.#view = 'results';
          return this.#drawMain(c);
        }
        this.#detailOffset = drawDetail(c, r, this.#selected, this.#detailOffset);
        return { title: `ORDER DETAIL - ${r.hit.rows[this.#selected]!.pno}`, hint: 'UP/DOWN/PGUP/PGDN SCROLL - ESC OR F3: BACK TO THE LIST', legend };
      }
      case 'messages':
        this.#unread = 0;
        this.#messageOffset = drawMessages(c, this.#messages, this.#messageOffset);
        this.#drawStatus();
        return { title: `MESSAGES - ${this.#messages.length} RECEIVED`, hint: 'NEWEST FIRST - UP/DOWN SCROLL - ESC: BACK', legend };
      case 'help':
        drawHelp(c, { role: this.#session?.role ?? '', keys: this.#keys(), history: HISTORY_ROLES.includes(this.#session?.role ?? '') });
        return { title: 'HELP', hint: 'ESC: BACK', legend };
      case 'reply':
        drawReply(c, this.#reply?.lines ?? []);
        return { title: this.#reply?.title ?? 'REPLY', hint: 'ESC OR ENTER: BACK', legend };
      case 'entry':
      case 'service':
      case 'am': {
        const f = this.#viewForm()!;
        if (this.#view === 'entry') {
          c.put(0, 1, 'RESTRAINED PERSON AND ORDER', 'bold');
          c.put(6, 1, 'ORDER', 'bold');
          c.put(0, 41, 'PROTECTED PERSONS (1 REQUIRED)', 'bold');
          c.put(9, 41, 'SERVICE AT ISSUE (OPTIONAL)', 'bold');
          drawForm(c, f, 0);
        } else {
          drawForm(c, f, 1);
        }
        this.#formError(c, f);
        return { title: f.def.title, hint: `${f.field.hint}  - ENTER SENDS`, legend };
      }
    }
  }

  #formError(c: Canvas, f: FormState): void {
    if (f.error) c.put(c.height - 1, 1, f.error, 'alert');
  }
}
