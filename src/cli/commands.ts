// The commands of `ccpor`, one entry each: flags checked with zod, work done by db/ and src/.
// Only cheap modules are imported here (flag parsing, constants the flag schemas and the help text
// need); each command imports what it runs when it runs, so `ccpor user add` does not load the
// listeners, SSH, the console or CARPOS.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { addAgency, addUser, AGENCY_KINDS, findAgency, ORI_PATTERN, ROLES, unlockUser } from '../../db/accounts.ts';
import type { Database } from '../../db/database.ts';
import { isRealDate, localDate } from '../../db/dates.ts';
import type { Registry } from '../../db/registry.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { readFlags, UsageError } from './args.ts';
import { progressBar } from './progress.ts';

export interface CommandContext {
  config: Config;
  log: Logger;
}

interface Command {
  synopsis: string;
  summary: string;
  run(args: string[], ctx: CommandContext): Promise<number | void>;
}

const ori = z.string().transform((s) => s.toUpperCase()).pipe(z.string().regex(ORI_PATTERN, 'an ORI is 2 letters and 7 letters or digits'));
const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Opens the configured database, migrated, for the length of fn. */
async function withDatabase<T>(ctx: CommandContext, fn: (db: Database) => Promise<T>): Promise<T> {
  const { openDatabase } = await import('../../db/open.ts');
  const { migrate } = await import('../../db/migrate.ts');
  const db = await openDatabase(ctx.config, ctx.log);
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Opens the registry (migrated, with the configured cache) for the length of fn. */
async function withRegistry<T>(ctx: CommandContext, fn: (r: Registry) => Promise<T>): Promise<T> {
  const { openRegistry } = await import('../../db/open.ts');
  const registry = await openRegistry(ctx.config, ctx.log);
  try {
    return await fn(registry);
  } finally {
    await registry.close();
  }
}

const say = (line: string) => process.stdout.write(line + '\n');

export const commands: Record<string, Command> = {
  serve: {
    synopsis: 'serve [--demo]',
    summary: 'run the service (--demo: on a fresh embedded registry, create demo users and orders)',
    async run(args, ctx) {
      const f = readFlags(args, { demo: z.boolean().optional() }, ['demo']);
      const { isWorker, runPrimary } = await import('../cluster.ts');
      if (ctx.config.workers > 1 && !isWorker()) return runPrimary(ctx.config, ctx.log);
      const { runService } = await import('../service.ts');
      await runService(ctx.config, ctx.log, { demo: !!f.demo && !isWorker() });
    },
  },
  migrate: {
    synopsis: 'migrate',
    summary: 'bring the schema up to date (also done by serve)',
    async run(args, ctx) {
      readFlags(args, {});
      const { openDatabase } = await import('../../db/open.ts');
      const { migrate } = await import('../../db/migrate.ts');
      const db = await openDatabase(ctx.config, ctx.log);
      try {
        const applied = await migrate(db);
        say(applied.length ? `applied migrations ${applied.join(', ')}` : 'schema up to date');
      } finally {
        await db.close();
      }
    },
  },
  'agency add': {
    synopsis: 'agency add --ori ORI --name NAME --kind COURT|LAW|SHERIFF [--carpos-code NNN]',
    summary: 'register an agency',
    async run(args, ctx) {
      const f = readFlags(args, {
        ori,
        name: z.string().trim().min(1).max(100),
        kind: z.string().transform((s) => s.toUpperCase()).pipe(z.enum(AGENCY_KINDS)),
        'carpos-code': z.string().regex(/^\d{3}$/, 'three digits').optional(),
      });
      await withDatabase(ctx, (db) => addAgency(db, { ori: f.ori, name: f.name.toUpperCase(), kind: f.kind, carposCode: f['carpos-code'] }));
      say(`agency ${f.ori} added`);
    },
  },
  'agency escalation': {
    synopsis: 'agency escalation --ori ORI (--to ORI | --clear)',
    summary: "where ORI's hit confirmations go when two requests are not answered in time (YQ)",
    async run(args, ctx) {
      const f = readFlags(args, { ori, to: ori.optional(), clear: z.boolean().optional() }, ['clear']);
      if (!f.to === !f.clear) throw new UsageError('give --to ORI or --clear');
      const { setEscalationOri } = await import('../../db/hit-requests.ts');
      await withDatabase(ctx, (db) => setEscalationOri(db, f.ori, f.to ?? null));
      say(f.to ? `unanswered hit confirmations of ${f.ori} escalate to ${f.to}` : `no escalation ORI for ${f.ori}`);
    },
  },
  'user add': {
    synopsis: 'user add --name NAME --role ROLE --ori ORI --password PW [--totp]',
    summary: `create a user (roles: ${ROLES.join(', ')}); --totp also requires a one-time code at sign-on`,
    async run(args, ctx) {
      const f = readFlags(
        args,
        {
          name: z.string().min(1),
          role: z.string().transform((s) => s.toUpperCase()).pipe(z.enum(ROLES)),
          ori,
          password: z.string().min(1),
          totp: z.boolean().optional(),
        },
        ['totp'],
      );
      const totpSecret = f.totp ? (await import('../session/totp.ts')).newTotpSecret() : undefined;
      await withDatabase(ctx, (db) => addUser(db, { name: f.name, role: f.role, ori: f.ori, password: f.password, totpSecret }));
      say(`user ${f.name.toUpperCase()} added as ${f.role} of ${f.ori}`);
      // Shown once, for the user's authenticator app; never logged.
      if (totpSecret) say(`one-time code secret: ${totpSecret}\notpauth://totp/CCPOR:${f.name.toUpperCase()}?secret=${totpSecret}&issuer=CCPOR`);
    },
  },
  'user key add': {
    synopsis: 'user key add --name NAME --file KEY.pub',
    summary: 'register an SSH public key (ed25519 or ECDSA) for a user: console and `exec clets` over SSH',
    async run(args, ctx) {
      const f = readFlags(args, { name: z.string().min(1), file: z.string().min(1) });
      let text: string;
      try {
        text = readFileSync(f.file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${f.file}: ${(err as Error).message}`);
      }
      const { addSshKey } = await import('../../db/ssh-keys.ts');
      const key = await withDatabase(ctx, (db) => addSshKey(db, f.name, text));
      say(`${key.algorithm} key ${key.fingerprint} added for ${f.name.toUpperCase()}`);
    },
  },
  conflicts: {
    synopsis: 'conflicts --court CTI',
    summary: "every open conflict between active orders of a court (or with another court's), and the order that prevails",
    async run(args, ctx) {
      const f = readFlags(args, { court: ori });
      const found = await withRegistry(ctx, (registry) => registry.openConflicts(f.court));
      if (found.length === 0) {
        say(`no open conflicts for ${f.court}`);
        return;
      }
      say(`${found.length} open conflict${found.length === 1 ? '' : 's'} for ${f.court} (the order that prevails under Family Code 6457 marked *)`);
      for (const c of found) {
        say('');
        say(`${c.restrained}: ${c.kinds.join(', ')}`);
        for (const o of c.orders) {
          say(`  ${o.pno === c.prevails ? '*' : ' '} ${o.pno}  ${o.typ.padEnd(5)}  ${o.cti}  OCA ${o.oca.padEnd(20)}  ISD ${o.isd}  EXP ${o.exp}`);
        }
      }
    },
  },
  'user unlock': {
    synopsis: 'user unlock --name NAME',
    summary: 'release a locked user',
    async run(args, ctx) {
      const f = readFlags(args, { name: z.string().min(1) });
      const found = await withDatabase(ctx, (db) => unlockUser(db, f.name));
      if (!found) throw new UsageError(`no user ${f.name.toUpperCase()}`);
      say(`user ${f.name.toUpperCase()} unlocked`);
    },
  },
  seed: {
    synopsis: 'seed --orders N [--seed S] [--as-of CCYYMMDD]',
    summary: 'load a deterministic synthetic registry of N orders (same seed and date: same registry)',
    async run(args, ctx) {
      const f = readFlags(args, {
        orders: count(1, 10_000_000),
        seed: count(0, 2 ** 31 - 1).default(1),
        'as-of': z.string().refine(isRealDate, 'a real date, CCYYMMDD').optional(),
      });
      const asOf = f['as-of'] ?? localDate(new Date(), ctx.config.timeZone);
      const { seedRegistry } = await import('../../db/seed.ts');
      const bar = progressBar('seeding');
      const s = await withDatabase(ctx, (db) =>
        seedRegistry(db, {
          orders: f.orders, seed: f.seed, asOf,
          onProgress: (d, t) => bar.update(d, t),
          onIndexing: () => (bar.done(), say('building the indexes and checking the foreign keys ...')),
        }),
      );
      bar.done();
      say(`seeded ${s.orders} orders (${s.persons} restrained, ${s.protectedPersons} protected persons, ${s.aliases} aliases, ${s.services} services) in ${(s.ms / 1000).toFixed(1)} s`);
    },
  },
  import: {
    synopsis: 'import --ori ORI --file FILE',
    summary: 'enter orders in bulk: each line of FILE is an EPO message, as if a CLERK of ORI sent it',
    async run(args, ctx) {
      const f = readFlags(args, { ori, file: z.string().min(1) });
      let text: string;
      try {
        text = readFileSync(f.file, 'latin1');
      } catch (err) {
        throw new UsageError(`cannot read ${f.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const { openRegistry } = await import('../../db/open.ts');
      const { AuditTrail } = await import('../../db/audit.ts');
      const { importLine } = await import('../import.ts');
      const { Switchboard } = await import('../session/switchboard.ts');
      const { MessageSwitch } = await import('../switching/switch.ts');
      const { localBus } = await import('../switching/bus.ts');
      const { systemClock } = await import('../clock.ts');
      const registry = await openRegistry(ctx.config, ctx.log);
      const audit = new AuditTrail(registry.db, ctx.log);
      let accepted = 0;
      let refused = 0;
      try {
        const court = await findAgency(registry.db, f.ori);
        if (!court) throw new UsageError(`no agency ${f.ori}`);
        if (court.kind !== 'COURT') throw new UsageError(`${f.ori} is not a court`);
        const switchboard = new Switchboard();
        // No terminals here: anything sent waits in the registry for its ORI's next sign-on.
        const messages = new MessageSwitch({ db: registry.db, switchboard, bus: localBus, clock: systemClock, log: ctx.log, instance: `import-${process.pid}` });
        const services = { registry, db: registry.db, clock: systemClock, log: ctx.log, timeZone: ctx.config.timeZone, switchboard, messenger: messages, watches: messages };
        for (const line of text.split(/\r?\n/)) {
          if (line.trim() === '') continue;
          const reply = await importLine(line, f.ori, services, audit);
          if (reply.startsWith('ACK')) accepted++;
          else refused++;
          say(reply);
        }
      } finally {
        await audit.close();
        await registry.close();
      }
      process.stderr.write(`imported ${accepted}, refused ${refused}\n`);
      return refused > 0 ? 1 : 0;
    },
  },
  'carpos status': {
    synopsis: 'carpos status',
    summary: 'the CARPOS outbox: counts by state, the oldest pending row, every rejected or held row',
    async run(args, ctx) {
      readFlags(args, {});
      const { carposStatus, formatCarposStatus } = await import('../carpos/status.ts');
      const s = await withDatabase(ctx, (db) => carposStatus(db));
      const url = ctx.config.carpos.url;
      const gateway = url ? `sends to ${new URL(url).origin}` : 'CARPOS_URL is not set here: the gateway is off and everything waits in the outbox';
      for (const line of formatCarposStatus(s, { timeZone: ctx.config.timeZone, gateway })) say(line);
    },
  },
  'carpos resend': {
    synopsis: 'carpos resend --pno PNO',
    summary: 'after a rejection is corrected: send the rejected transaction of PNO again (new Idempotency-Key), then the held ones',
    async run(args, ctx) {
      const f = readFlags(args, { pno: z.string().trim().min(1).max(20).transform((s) => s.toUpperCase()) });
      const { resendOrder } = await import('../carpos/outbox.ts');
      const r = await withDatabase(ctx, (db) => resendOrder(db, f.pno));
      if (!r.found) throw new UsageError(`no order ${f.pno}`);
      say(r.released ? `${f.pno}: ${r.released} transaction${r.released === 1 ? '' : 's'} queued for CARPOS again` : `${f.pno}: nothing rejected or held`);
    },
  },
  'audit verify': {
    synopsis: 'audit verify',
    summary: "check the audit trail's hash chain; non-zero exit and the first bad entry when it fails",
    async run(args, ctx) {
      readFlags(args, {});
      const { verifyAuditTrail } = await import('../../db/audit.ts');
      const r = await withDatabase(ctx, (db) => verifyAuditTrail(db));
      if (r.ok) {
        say(`audit trail intact: ${r.entries} entries`);
        return 0;
      }
      say(`audit trail BROKEN at entry ${r.badId ?? '?'}: ${r.reason} (${r.entries} entries verified before it)`);
      return 1;
    },
  },
};

export function usage(): string {
  const lines = Object.values(commands).map((c) => `  ccpor ${c.synopsis}\n      ${c.summary}`);
  return `usage:\n${lines.join('\n')}\n\nenvironment: DATABASE_URL, REDIS_URL (unset: embedded registry in CCPOR_DATA_DIR, default ./data)\n`;
}
