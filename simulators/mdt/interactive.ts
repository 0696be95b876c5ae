// Interactive mode: a terminal for people. Type a message text, see the reply; unsolicited
// traffic (MSG, NOTE) is printed above the prompt as it arrives, without breaking the line being
// typed. Lines starting with ':' are commands (:help). Passwords are never echoed, kept in the
// history, or printed: `:son USER ORI` asks for the password at a hidden prompt; a password typed
// on the line (`:son USER PASSWORD ORI`, or a SON text) is wiped from the screen and the history.
import readline from 'node:readline';
import { Writable } from 'node:stream';
import { ORI_PATTERN } from '../../protocol/index.ts';
import { MdtClient, type Answer, type Endpoint, type Received } from './client.ts';
import type { Credentials } from './credentials.ts';
import type { Io } from './main.ts';
import { redact, showBytes, textBytes } from './text.ts';

export interface InteractiveOptions {
  endpoint: Endpoint;
  credentials: Credentials;
  replyTimeoutMs: number;
  io: Io;
}

const HELP = `Type a message text and press Enter, e.g.
  QPO.CA0194200.NAM/SMITH, JOHN.DOB/19800101
Lower case is fine (the service folds it). Commands:
  :son USER [ORI]            sign on; the password is asked for without echo
                             (or taken from --credentials / --password)
  :son USER PASSWORD ORI     the same in one line (the password is wiped from screen and history)
  :sof                       sign off
  :raw BYTES                 send bytes as they are, no framing added: <STX> <ETX> \\r \\n \\t \\xHH
  :reconnect                 open a new connection (and sign on again when the password is known)
  :help                      this text
  :quit                      leave (also Ctrl-D)`;

/** A writable in front of stdout that readline writes through; muted while a password is typed. */
class MutableOutput extends Writable {
  muted = false;
  readonly isTTY = true;
  constructor(private readonly target: NodeJS.WritableStream & { columns?: number; rows?: number }) {
    super();
    (target as NodeJS.EventEmitter).on?.('resize', () => this.emit('resize'));
  }
  get columns(): number {
    return this.target.columns ?? 80;
  }
  get rows(): number {
    return this.target.rows ?? 24;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.muted) cb();
    else this.target.write(chunk, () => cb());
  }
}

const hasPassword = (line: string) => /(^|\.)\s*PWD\//i.test(line) || /^:son\s+\S+\s+\S+\s+\S+/i.test(line);

export async function runInteractive(o: InteractiveOptions): Promise<number> {
  const { io, endpoint, credentials } = o;
  const tty = !!io.stdin.isTTY && !!io.stdout.isTTY;
  const out = io.stdout;
  const where = `${endpoint.host}:${endpoint.port}${endpoint.tls ? ' TLS' : ''}${endpoint.mode === 'line' ? ' line mode' : ''}`;

  let client: MdtClient | undefined;
  let signedOn: { user: string; ori: string; password: string } | undefined;
  let closing = false;
  const history: string[] = [];
  const output = new MutableOutput(out);
  const rl = readline.createInterface({
    input: io.stdin,
    prompt: 'mdt> ',
    ...(tty ? { output, terminal: true, history, historySize: 200, removeHistoryDuplicates: true } : { terminal: false }),
  });
  const held: string[] = []; // printed while a hidden prompt is up: shown after it
  let hidden = false;

  const promptText = () => (signedOn ? `${signedOn.user}@${signedOn.ori}> ` : 'mdt> ');
  const refreshPrompt = () => {
    rl.setPrompt(promptText());
    if (tty && !closing) rl.prompt(true);
  };

  /** Prints above the line being typed, then redraws the prompt and that line. */
  const print = (text: string) => {
    if (hidden) {
      held.push(text);
      return;
    }
    if (!tty) {
      io.out(text);
      return;
    }
    const pos = rl.getCursorPos();
    readline.moveCursor(out, 0, -pos.rows);
    readline.cursorTo(out, 0);
    readline.clearScreenDown(out);
    out.write(`${text}\n`);
    if (!closing) rl.prompt(true);
  };

  const showReply = (r: Received, note: string) => print(`${r.lines.join('\n')}\n${note}`);

  const attach = (c: MdtClient) => {
    c.on('unsolicited', (r) => showReply(r, `(unsolicited ${r.mke} ${r.status.trim()})`));
    c.on('stray', (r) => showReply(r, '(reply)'));
    c.on('late', (r) => showReply(r, '(late reply)'));
    c.on('protocol-error', (e) => print(`*** unreadable message from the service: ${e.message}\n${e.lines.join('\n')}`));
    c.on('close', (err) => {
      if (client !== c) return;
      signedOn = undefined;
      if (!closing) print(`*** connection closed${err ? ` (${err.message})` : ' by the service'}; :reconnect to open a new one`);
      refreshPrompt();
    });
  };

  const connect = async (): Promise<boolean> => {
    try {
      client = await MdtClient.connect(endpoint, { replyTimeoutMs: o.replyTimeoutMs, keepUnsolicited: false });
    } catch (err) {
      print(`*** cannot connect to ${where}: ${(err as Error).message}`);
      return false;
    }
    attach(client);
    print(`connected to ${where}${client.tlsProtocol ? ` (${client.tlsProtocol})` : ''}. :help for help`);
    return true;
  };

  const askHidden = (question: string): Promise<string> =>
    new Promise((resolve) => {
      hidden = true;
      out.write(question);
      output.muted = true;
      rl.question('', (answer) => {
        output.muted = false;
        hidden = false;
        dropFromHistory(answer);
        out.write('\n');
        resolve(answer);
        for (const t of held.splice(0)) print(t);
      });
    });

  const dropFromHistory = (line: string) => {
    const h = (rl as unknown as { history?: string[] }).history ?? history;
    for (let i = h.length - 1; i >= 0; i--) if (h[i] === line || hasPassword(h[i]!)) h.splice(i, 1);
  };

  /** After Enter the typed line is on the screen: rewrite it with the password masked. */
  const wipeTypedLine = (line: string, masked: string) => {
    dropFromHistory(line);
    if (!tty) return;
    const cols = output.columns || 80;
    const rows = Math.max(1, Math.ceil((promptText().length + line.length) / cols));
    readline.moveCursor(out, 0, -rows);
    readline.cursorTo(out, 0);
    readline.clearScreenDown(out);
    out.write(`${promptText()}${masked}\n`);
  };

  const send = async (text: string | Buffer, shown: string): Promise<Answer | undefined> => {
    if (!client?.isOpen) {
      print('*** not connected; :reconnect');
      return undefined;
    }
    if (!tty) io.out(`${promptText()}${shown}`);
    try {
      const a = await client.send(text);
      // REJ AUT: the connection is not signed on (any more: the session may have been locked).
      if (a.status === 'REJ' && a.reject?.code === 'AUT' && signedOn) {
        signedOn = undefined;
        rl.setPrompt(promptText());
      }
      const ctl = a.ctlMatches ? '' : ` - CTL MISMATCH: sent '${a.expectedCtl}'`;
      showReply(a, `(${Math.round(a.latencyMs)} ms${ctl})`);
      return a;
    } catch (err) {
      print(`*** ${(err as Error).message}`);
      return undefined;
    }
  };

  const signOn = async (user: string, ori: string | undefined, password: string | undefined): Promise<void> => {
    const u = user.toUpperCase();
    const theOri = (ori ?? credentials.ori(u))?.toUpperCase();
    if (!theOri) {
      print(`*** no ORI known for ${u}: :son ${u} ORI`);
      return;
    }
    let pw = password ?? credentials.password(u);
    if (pw === undefined) {
      if (!tty) {
        print(`*** no password for ${u}: give --credentials, --password or MDT_PASSWORD (not asked for without a terminal)`);
        return;
      }
      pw = await askHidden(`password for ${u}: `);
    }
    const a = await send(`SON.${theOri}.USR/${u}.PWD/${pw}`, `SON.${theOri}.USR/${u}.PWD/***`);
    if (a?.status === 'ACK') signedOn = { user: u, ori: theOri, password: pw };
    else if (a) signedOn = undefined; // a failed SON signs the connection off (SPEC 10)
    refreshPrompt();
  };

  const command = async (line: string): Promise<boolean> => {
    const [cmd = '', ...args] = line.trim().split(/\s+/);
    switch (cmd.toLowerCase()) {
      case ':help':
      case ':h':
      case ':?':
        print(HELP);
        return true;
      case ':quit':
      case ':q':
      case ':exit':
        return false;
      case ':son': {
        if (args.length === 0) {
          const u = credentials.defaultUser;
          if (!u) print('*** :son USER [ORI]   or   :son USER PASSWORD ORI');
          else await signOn(u, undefined, undefined);
          return true;
        }
        if (args.length === 3) {
          wipeTypedLine(line, `:son ${args[0]} *** ${args[2]}`);
          await signOn(args[0]!, args[2], args[1]);
        } else if (args.length === 2 && ORI_PATTERN.test(args[1]!.toUpperCase())) {
          await signOn(args[0]!, args[1], undefined);
        } else if (args.length === 2) {
          wipeTypedLine(line, `:son ${args[0]} ***`);
          await signOn(args[0]!, undefined, args[1]);
        } else if (args.length === 1) {
          await signOn(args[0]!, undefined, undefined);
        } else {
          print('*** :son USER [ORI]   or   :son USER PASSWORD ORI');
        }
        return true;
      }
      case ':sof': {
        if (!signedOn) {
          print('*** not signed on (type SOF.<ORI> to send it anyway)');
          return true;
        }
        const a = await send(`SOF.${signedOn.ori}`, `SOF.${signedOn.ori}`);
        if (a?.status === 'ACK') signedOn = undefined;
        refreshPrompt();
        return true;
      }
      case ':raw': {
        const rest = line.trim().slice(4).trim();
        if (!rest) {
          print('*** :raw BYTES   e.g. :raw <STX>SOF.CA0194200<ETX>');
          return true;
        }
        if (!client?.isOpen) {
          print('*** not connected; :reconnect');
          return true;
        }
        const bytes = textBytes(rest, true);
        if (hasPassword(rest)) wipeTypedLine(line, `:raw ${redact(showBytes(bytes))}`);
        if (!tty) io.out(`${promptText()}:raw ${redact(showBytes(bytes))}`);
        // As many replies as the service's own frame decoder makes of these bytes.
        try {
          for (const a of await client.sendRaw(bytes)) {
            showReply(a, `(${Math.round(a.latencyMs)} ms)`);
            if ((a.mke === 'SOF' && a.status === 'ACK') || (a.mke === 'SON' && a.status === 'REJ')) signedOn = undefined;
          }
          refreshPrompt();
        } catch (err) {
          print(`*** ${(err as Error).message}`);
        }
        return true;
      }
      case ':reconnect': {
        const again = signedOn;
        client?.close();
        signedOn = undefined;
        if ((await connect()) && again) await signOn(again.user, again.ori, again.password);
        refreshPrompt();
        return true;
      }
      default:
        print(`*** unknown command ${cmd} (:help)`);
        return true;
    }
  };

  const handle = async (line: string): Promise<boolean> => {
    const text = line.trim();
    if (!text) return true;
    if (text.startsWith(':')) return command(text);
    if (hasPassword(text)) wipeTypedLine(line, redact(text));
    const a = await send(text, redact(text));
    if (a && /^SON\./i.test(text)) {
      const m = /^SON\.([^.]*)\.(?:.*\.)?USR\/([^.]*)/i.exec(text);
      signedOn = a.status === 'ACK' && m ? { user: m[2]!.toUpperCase(), ori: m[1]!.toUpperCase(), password: /PWD\/([^.]*)/i.exec(text)?.[1] ?? '' } : undefined;
      refreshPrompt();
    }
    if (a && /^SOF\./i.test(text) && a.status === 'ACK') {
      signedOn = undefined;
      refreshPrompt();
    }
    return true;
  };

  // Lines are handled one at a time, in order: from a pipe the replies come out in order; at a
  // terminal the next line can be typed while a reply is awaited. Listening starts at once, so
  // that piped lines are not lost while the connection is being opened.
  let ready!: () => void;
  let queue: Promise<boolean> = new Promise<void>((r) => (ready = r)).then(() => true);
  const ended = new Promise<void>((resolve) => {
    rl.on('line', (line) => {
      if (hidden) return; // the hidden prompt's answer (taken by rl.question)
      queue = queue.then(async (go) => {
        if (!go) return false;
        const more = await handle(line);
        if (!more) rl.close();
        return more;
      });
    });
    rl.on('close', () => resolve());
  });
  rl.on('SIGINT', () => rl.close());

  if (!(await connect())) {
    rl.close();
    return 1;
  }
  if (credentials.defaultUser) await signOn(credentials.defaultUser, undefined, undefined);
  refreshPrompt();
  ready();
  await ended;
  closing = true;
  await queue;
  await client?.end(500);
  if (tty) out.write('\n');
  return 0;
}
