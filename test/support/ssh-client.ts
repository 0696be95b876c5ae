// SSH as a client sees it, for the security tests: what the server offers in its KEXINIT (read off
// the wire, not from our code), whether a handshake with given algorithms gets through, how an
// authentication attempt is answered, and an interactive console on a pty.
import net from 'node:net';
import ssh2, { type AuthenticationType, type ClientChannel, type ConnectConfig } from 'ssh2';

const { Client } = ssh2; // CommonJS: no named exports under ESM

/** The name-lists of the server's SSH_MSG_KEXINIT (RFC 4253 7.1) and its identification line. */
export interface ServerOffer {
  ident: string;
  kex: string[];
  hostKey: string[];
  cipherClientToServer: string[];
  cipherServerToClient: string[];
  macClientToServer: string[];
  macServerToClient: string[];
  compressionClientToServer: string[];
  compressionServerToClient: string[];
}

/** Connects, sends a client identification and reads the server's first (cleartext) KEXINIT. */
export function serverOffer(port: number): Promise<ServerOffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('SSH-2.0-CcporSecurityProbe_1.0\r\n'));
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('no KEXINIT within 5 s'));
    }, 5_000);
    s.on('error', reject);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return;
      const packet = buf.subarray(eol + 2);
      if (packet.length < 5 || packet.length < 4 + packet.readUInt32BE(0)) return;
      clearTimeout(timer);
      s.destroy();
      const length = packet.readUInt32BE(0);
      const payload = packet.subarray(5, 4 + length - packet[4]!);
      if (payload[0] !== 20) return reject(new Error(`first packet is message ${payload[0]}, not KEXINIT`));
      let at = 17; // message number and the 16-byte cookie
      const lists: string[][] = [];
      for (let i = 0; i < 10; i++) {
        const n = payload.readUInt32BE(at);
        const text = payload.subarray(at + 4, at + 4 + n).toString('latin1');
        lists.push(text === '' ? [] : text.split(','));
        at += 4 + n;
      }
      const [kex, hostKey, ccs, csc, mcs, msc, zcs, zsc] = lists as [string[], string[], string[], string[], string[], string[], string[], string[]];
      resolve({
        ident: buf.subarray(0, eol).toString('latin1'),
        kex, hostKey,
        cipherClientToServer: ccs, cipherServerToClient: csc,
        macClientToServer: mcs, macServerToClient: msc,
        compressionClientToServer: zcs, compressionServerToClient: zsc,
      });
    });
  });
}

export type HandshakeResult =
  | { ok: true; negotiated: { kex: string; serverHostKey: string; cipher: string; mac: string } }
  | { ok: false; error: string };

/** Key exchange only, with the client offering exactly `algorithms` where given (ssh2's defaults elsewhere). */
export function handshake(port: number, algorithms: ConnectConfig['algorithms']): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    const c = new Client();
    c.on('handshake', (n) => {
      resolve({ ok: true, negotiated: { kex: n.kex, serverHostKey: n.serverHostKey, cipher: n.cs.cipher, mac: n.cs.mac } });
      c.end();
    });
    c.on('error', (err: Error) => resolve({ ok: false, error: err.message }));
    c.on('close', () => resolve({ ok: false, error: 'closed before the key exchange completed' }));
    c.connect({ host: '127.0.0.1', port, username: 'probe', algorithms, readyTimeout: 10_000, authHandler: () => false });
  });
}

/** How the server answered one password attempt: the methods it still offers and partial success. */
export function passwordAttempt(port: number, username: string, password: string): Promise<{ methodsLeft: string[]; partialSuccess: boolean; accepted: boolean }> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    let tried = false;
    let answer: { methodsLeft: string[]; partialSuccess: boolean } | undefined;
    c.on('ready', () => {
      c.end();
      resolve({ methodsLeft: [], partialSuccess: false, accepted: true });
    });
    c.on('error', (err: Error) => (answer ? resolve({ ...answer, accepted: false }) : reject(err)));
    c.connect({
      host: '127.0.0.1', port, username, readyTimeout: 10_000,
      authHandler: (methodsLeft: AuthenticationType[] | null, partialSuccess: boolean | null, next: (m: unknown) => void) => {
        if (!tried) {
          tried = true;
          return next({ type: 'password', username, password });
        }
        answer = { methodsLeft: [...(methodsLeft ?? [])], partialSuccess: !!partialSuccess };
        return next(false);
      },
    } as ConnectConfig);
  });
}

/**
 * Authenticates with a password, then the one-time code (keyboard-interactive) when `otp` is given.
 * Resolves whether the server let the client in.
 */
export function signOnOverSsh(port: number, o: { username: string; password: string; otp?: string; keyboard?: boolean }): Promise<boolean> {
  return new Promise((resolve) => {
    const c = new Client();
    let step = 0;
    c.on('ready', () => {
      c.end();
      resolve(true);
    });
    c.on('error', () => resolve(false));
    const answer = (prompts: { prompt: string }[]) => prompts.map((p) => (/one-time/i.test(p.prompt) ? (o.otp ?? '') : o.password));
    c.connect({
      host: '127.0.0.1', port, username: o.username, readyTimeout: 10_000,
      authHandler: (_left: unknown, _partial: unknown, next: (m: unknown) => void) => {
        step += 1;
        const kbd = {
          type: 'keyboard-interactive', username: o.username,
          prompt: (_n: string, _i: string, _l: string, prompts: { prompt: string }[], finish: (a: string[]) => void) => finish(answer(prompts)),
        };
        if (step === 1) return next(o.keyboard ? kbd : { type: 'password', username: o.username, password: o.password });
        if (step === 2 && o.otp !== undefined && !o.keyboard) return next(kbd);
        return next(false);
      },
    } as ConnectConfig);
  });
}

export interface ConsoleClient {
  /** Everything the console wrote to the channel so far (escape sequences included). */
  output(): string;
  /** The same as words: escape sequences (cursor moves, colours) and runs of blanks as one space. */
  text(): string;
  /** The pre-authentication banner, and whether it came before authentication succeeded. */
  banner: { text: string; beforeReady: boolean } | undefined;
  write(text: string): void;
  /** Waits until text() matches. */
  waitFor(re: RegExp, ms?: number): Promise<void>;
  /** Resolves when the channel closes, with its exit status and what came on stderr. */
  exit: Promise<{ code: number | undefined; stderr: string }>;
  end(): void;
}

/** An interactive session on a pty of terminal type `term`, signed in by password or key. */
export function openConsole(port: number, o: { username: string; password?: string; privateKey?: string; term: string }): Promise<ConsoleClient> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    let ready = false;
    let banner: ConsoleClient['banner'];
    c.on('banner', (text: string) => (banner = { text, beforeReady: !ready }));
    c.on('error', reject);
    c.on('ready', () => {
      ready = true;
      c.shell({ term: o.term, cols: 80, rows: 24 }, (err, stream: ClientChannel) => {
        if (err) return reject(err);
        let out = '';
        let stderr = '';
        let code: number | undefined;
        stream.on('data', (d: Buffer) => (out += d.toString('latin1')));
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
        stream.on('exit', (n: number) => (code = n));
        const exit = new Promise<{ code: number | undefined; stderr: string }>((r) => stream.on('close', () => r({ code, stderr })));
        const text = () => out.replace(/\x1b(\[[0-9;?]*[ -\/]*[@-~]|[()][0-9A-Za-z]|[=>78MDEc])/g, ' ').replace(/\s+/g, ' ');
        resolve({
          output: () => out,
          text,
          banner,
          write: (text) => stream.write(text),
          async waitFor(re, ms = 10_000) {
            const end = Date.now() + ms;
            while (!re.test(text())) {
              if (Date.now() > end) throw new Error(`console never showed ${re}; it showed:\n${text().slice(-600)}`);
              await new Promise((r) => setTimeout(r, 50));
            }
          },
          exit,
          end: () => c.end(),
        });
      });
    });
    c.connect({ host: '127.0.0.1', port, username: o.username, password: o.password, privateKey: o.privateKey, readyTimeout: 10_000 });
  });
}
