// The terminals signed on to this process, by ORI and by terminal id (ICD 4: traffic is
// "delivered to every signed-on terminal of the destination ORI"). Sessions join when a sign-on
// succeeds and leave at SOF, lock and close. Delivery itself — kept, then written, across
// instances — is the message switch's (src/switching/).

/** What the switchboard needs of a terminal: who it is, and where to put unsolicited traffic. */
export interface Reachable {
  readonly terminal: string;
  /** `onWritten(true)` once the message reached the connection (false: it was closed first). */
  notify(status: 'MSG' | 'NOTE', body: string[], mke?: string, onWritten?: (ok: boolean) => void): void;
}

export class Switchboard {
  private readonly byOri = new Map<string, Set<Reachable>>();
  private readonly byTerminal = new Map<string, { ori: string; t: Reachable }>();

  join(ori: string, t: Reachable): void {
    this.leave(t);
    let set = this.byOri.get(ori);
    if (!set) this.byOri.set(ori, (set = new Set()));
    set.add(t);
    this.byTerminal.set(t.terminal, { ori, t });
  }

  leave(t: Reachable): void {
    const at = this.byTerminal.get(t.terminal);
    if (!at || at.t !== t) return;
    this.byTerminal.delete(t.terminal);
    const set = this.byOri.get(at.ori);
    if (set?.delete(t) && set.size === 0) this.byOri.delete(at.ori);
  }

  /** The terminals signed on for an ORI here. */
  terminalsOf(ori: string): Reachable[] {
    return [...(this.byOri.get(ori) ?? [])];
  }

  /** A terminal by id, when it is signed on here; with its ORI. */
  terminal(id: string): { ori: string; t: Reachable } | undefined {
    return this.byTerminal.get(id);
  }

  /** The ORIs with a terminal signed on here. */
  oris(): string[] {
    return [...this.byOri.keys()];
  }

  /** Sends to every terminal signed on for `ori` here, without keeping anything; how many took it. */
  deliver(ori: string, status: 'MSG' | 'NOTE', mke: string, body: string[]): number {
    const set = this.byOri.get(ori);
    if (!set) return 0;
    for (const t of set) t.notify(status, body, mke);
    return set.size;
  }

  signedOn(ori: string): number {
    return this.byOri.get(ori)?.size ?? 0;
  }
}
