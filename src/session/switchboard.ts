// Live delivery of traffic to the terminals signed on for an ORI (ICD 4: "delivered to every
// signed-on terminal of the destination ORI"), within this process. Sessions join when a sign-on
// succeeds and leave at SOF, lock and close. Store and forward and delivery across processes come
// with message switching (SPEC 10.1); until then a message with nobody to take it is refused.

/** What the switchboard needs of a terminal: where to put unsolicited traffic. */
export interface Reachable {
  notify(status: 'MSG' | 'NOTE', body: string[], mke?: string): void;
}

export class Switchboard {
  private readonly byOri = new Map<string, Set<Reachable>>();

  join(ori: string, t: Reachable): void {
    let set = this.byOri.get(ori);
    if (!set) this.byOri.set(ori, (set = new Set()));
    set.add(t);
  }

  leave(t: Reachable): void {
    for (const [ori, set] of this.byOri) {
      if (set.delete(t) && set.size === 0) this.byOri.delete(ori);
    }
  }

  /** Sends to every terminal signed on for `ori`; returns how many took it. */
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
