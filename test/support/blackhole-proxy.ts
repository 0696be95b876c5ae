// A TCP proxy whose clients can vanish without a word: the client's end is dropped, and the
// service's end is kept open but never written to nor read from again. To the service this is a
// terminal that went away without a FIN or RST (power cut, radio out of range, a NAT that forgot
// the flow): the connection looks open, nothing arrives, and what it sends is never read.
import net from 'node:net';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export class BlackholeProxy {
  private readonly pairs = new Set<Pair>();
  private readonly held: net.Socket[] = [];
  private server: net.Server | undefined;
  port = 0;

  private constructor(private readonly target: { host: string; port: number }) {}

  static async start(target: { host: string; port: number }): Promise<BlackholeProxy> {
    const p = new BlackholeProxy(target);
    await p.listen();
    return p;
  }

  private async listen(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      const pair = { client, upstream };
      this.pairs.add(pair);
      for (const s of [client, upstream]) s.on('error', () => {});
      client.pipe(upstream).pipe(client);
      const drop = () => {
        if (!this.pairs.delete(pair)) return; // vanished: the service's end is held on purpose
        client.destroy();
        upstream.destroy();
      };
      client.on('close', drop);
      upstream.on('close', drop);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
  }

  /** Every connection now open vanishes; returns how many. */
  vanishAll(): number {
    let n = 0;
    for (const pair of [...this.pairs]) {
      this.pairs.delete(pair);
      const { client, upstream } = pair;
      client.unpipe(upstream);
      upstream.unpipe(client);
      // Stop reading the service's side: its replies pile up unread, as they would in the network.
      upstream.pause();
      client.destroy();
      this.held.push(upstream);
      n++;
    }
    return n;
  }

  async close(): Promise<void> {
    for (const s of this.held) s.destroy();
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    if (this.server) await new Promise((r) => this.server!.close(r));
  }
}
