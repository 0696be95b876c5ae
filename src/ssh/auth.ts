// SSH authentication against the registry's users, with the rules of SON (ICD 6, CJIS AC-7,
// IA-2): password (method `password` or `keyboard-interactive`) or a registered public key; the
// one-time code as a second step for users who have one; five consecutive failures in 15 minutes
// lock the user, a locked user gets nowhere. Every attempt that presents a credential is audited
// (never the password or code). ssh2 has no attempt limit of its own: a connection is cut after
// MAX_ATTEMPTS failures.
import { timingSafeEqual } from 'node:crypto';
import type { AuthContext, KeyboardAuthContext, PublicKeyAuthContext } from 'ssh2';
import ssh2 from 'ssh2';

const { utils } = ssh2; // CommonJS: no named exports under ESM
import { findUser, lockUser, recordSignOnFailure, recordSignOnSuccess, useTotpStep, type UserAccount } from '../../db/accounts.ts';
import type { AuditTrail } from '../../db/audit.ts';
import type { Database } from '../../db/database.ts';
import { DUMMY_HASH, verifyPassword } from '../../db/passwords.ts';
import { hasSshKey } from '../../db/ssh-keys.ts';
import type { Clock } from '../clock.ts';
import type { SignedOnUser } from '../handlers/context.ts';
import type { Logger } from '../log.ts';
import { CJIS_SIGN_ON_POLICY, type SignOnPolicy } from '../session/sign-on.ts';
import { totpStep } from '../session/totp.ts';

export const MAX_ATTEMPTS = 6;
const METHODS: ('publickey' | 'keyboard-interactive' | 'password')[] = ['publickey', 'keyboard-interactive', 'password'];

export interface SshAuthDeps {
  db: Database;
  audit: AuditTrail;
  clock: Clock;
  log: Logger;
  policy?: SignOnPolicy;
}

type Outcome = 'ACK' | 'REJ AUT' | 'REJ LCK';

/** One connection's authentication. */
export class SshAuthentication {
  user: SignedOnUser | undefined;
  method = '';
  private failures = 0;
  /** First factor passed (password or key); the one-time code is still owed. */
  private pending: { account: UserAccount; method: string } | undefined;

  constructor(
    private readonly deps: SshAuthDeps,
    private readonly terminal: string,
    private readonly source: string,
    private readonly onTooMany: () => void,
  ) {}

  async handle(ctx: AuthContext): Promise<void> {
    try {
      switch (ctx.method) {
        case 'password': {
          if (this.pending) return ctx.reject(['keyboard-interactive'], true);
          const r = await this.checkPassword(ctx.username, ctx.password, 'password');
          return this.conclude(ctx, r);
        }
        case 'keyboard-interactive':
          return await this.keyboard(ctx);
        case 'publickey':
          return await this.publicKey(ctx);
        default:
          return ctx.reject(this.pending ? ['keyboard-interactive'] : METHODS);
      }
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message, terminal: this.terminal }, 'ssh authentication could not be checked');
      ctx.reject(METHODS);
    }
  }

  private conclude(ctx: AuthContext, r: 'ok' | 'second-factor' | 'failed'): void {
    if (r === 'ok') return ctx.accept();
    if (r === 'second-factor') return ctx.reject(['keyboard-interactive'], true);
    this.failures += 1;
    ctx.reject(METHODS);
    if (this.failures >= MAX_ATTEMPTS) this.onTooMany();
  }

  private async keyboard(ctx: KeyboardAuthContext): Promise<void> {
    const ask = (prompt: string) =>
      new Promise<string | undefined>((resolve) => ctx.prompt([{ prompt, echo: false }], 'CCPOR sign-on', (answers) => resolve(answers[0])));
    if (this.pending) {
      const code = await ask('One-time code: ');
      return this.conclude(ctx, await this.checkCode(code ?? ''));
    }
    const password = await ask('Password: ');
    const r = await this.checkPassword(ctx.username, password ?? '', 'keyboard-interactive');
    if (r !== 'second-factor') return this.conclude(ctx, r);
    const code = await ask('One-time code: ');
    return this.conclude(ctx, await this.checkCode(code ?? ''));
  }

  private async publicKey(ctx: PublicKeyAuthContext): Promise<void> {
    if (this.pending) return ctx.reject(['keyboard-interactive'], true);
    const account = await findUser(this.deps.db, ctx.username);
    const known = !!account && (await hasSshKey(this.deps.db, account.name, ctx.key.algo, ctx.key.data));
    // A key that is not registered is not a failed guess: clients offer every key they hold.
    if (!known) return ctx.reject(METHODS);
    // The client asks whether the key would do before signing with it.
    if (!ctx.signature || !ctx.blob) return ctx.accept();
    const key = utils.parseKey(Buffer.from(`${ctx.key.algo} ${ctx.key.data.toString('base64')}`));
    const valid = !(key instanceof Error) && timingSafeEqual(key.getPublicSSH(), ctx.key.data) && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true;
    if (!valid) {
      this.record(ctx.username, account, 'publickey', 'REJ AUT');
      return this.conclude(ctx, 'failed');
    }
    if (account.lockedAt) {
      this.record(ctx.username, account, 'publickey', 'REJ LCK');
      return this.conclude(ctx, 'failed');
    }
    return this.conclude(ctx, await this.firstFactorPassed(account, 'publickey'));
  }

  private async checkPassword(name: string, password: string, method: string): Promise<'ok' | 'second-factor' | 'failed'> {
    const at = this.deps.clock.now();
    const account = await findUser(this.deps.db, name);
    // Unknown users cost the same hash as known ones.
    const ok = await verifyPassword(password, account?.passwordHash ?? DUMMY_HASH);
    if (!account) {
      this.record(name, undefined, method, 'REJ AUT');
      return 'failed';
    }
    if (account.lockedAt) {
      this.record(name, account, method, 'REJ LCK');
      return 'failed';
    }
    if (!ok) {
      await this.countFailure(account, at, method);
      return 'failed';
    }
    return this.firstFactorPassed(account, method);
  }

  private async firstFactorPassed(account: UserAccount, method: string): Promise<'ok' | 'second-factor'> {
    if (account.totpSecret) {
      this.pending = { account, method };
      return 'second-factor';
    }
    await this.succeed(account, method);
    return 'ok';
  }

  private async checkCode(code: string): Promise<'ok' | 'failed'> {
    const { account, method } = this.pending!;
    const at = this.deps.clock.now();
    const fresh = await findUser(this.deps.db, account.name);
    if (!fresh || fresh.lockedAt) {
      this.record(account.name, account, `${method}+otp`, 'REJ LCK');
      return 'failed';
    }
    const step = totpStep(account.totpSecret!, code.trim(), at);
    // A code counts once (IA-2(8)), whichever way it came in.
    if (step === null || !(await useTotpStep(this.deps.db, account.id, step))) {
      await this.countFailure(account, at, `${method}+otp`);
      return 'failed';
    }
    this.pending = undefined;
    await this.succeed(account, `${method}+otp`);
    return 'ok';
  }

  private async countFailure(account: UserAccount, at: Date, method: string): Promise<void> {
    const policy = this.deps.policy ?? CJIS_SIGN_ON_POLICY;
    const n = await recordSignOnFailure(this.deps.db, account.id, at, this.source, policy.windowMs);
    this.record(account.name, account, method, 'REJ AUT');
    if (n >= policy.maxFailures) {
      await lockUser(this.deps.db, account.id, at);
      this.deps.log.warn({ user: account.name, source: this.source }, 'user locked after repeated failed sign-ons');
    }
  }

  private async succeed(account: UserAccount, method: string): Promise<void> {
    await recordSignOnSuccess(this.deps.db, account.id, this.deps.clock.now());
    this.user = { id: account.id, name: account.name, role: account.role, ori: account.ori };
    this.method = method;
    // Durable before the client is let in, like a write's acknowledgement.
    await this.record(account.name, account, method, 'ACK');
  }

  private record(name: string, account: UserAccount | undefined, method: string, outcome: Outcome): Promise<void> {
    const at = this.deps.clock.now();
    return this.deps.audit.record({
      at,
      user: name.toUpperCase().slice(0, 30),
      ori: account?.ori ?? null,
      terminal: this.terminal,
      source: this.source,
      mke: 'SON',
      fields: { VIA: 'SSH', METHOD: method.toUpperCase() },
      outcome,
      records: 0,
      durationMs: 0,
    });
  }
}
