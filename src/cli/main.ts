// `ccpor`: the operations interface of ICD 8. Every command reads DATABASE_URL and REDIS_URL when
// set and uses the embedded defaults otherwise; on failure it exits non-zero with a one-line reason.
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { UsageError } from './args.ts';
import { commands, usage } from './commands.ts';

async function main(argv: string[]): Promise<number> {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  const [first, second, third, ...rest] = argv;
  if (!first || first === 'help' || first === '--help' || first === '-h') {
    process.stdout.write(usage());
    return first ? 0 : 2;
  }
  // The longest command name that matches: `user key add` before `user add`.
  const three = commands[`${first} ${second ?? ''} ${third ?? ''}`.trim()];
  const two = commands[`${first} ${second ?? ''}`.trim()];
  const one = commands[first];
  const cmd = three ?? two ?? one;
  if (!cmd) throw new UsageError(`unknown command '${[first, second].filter(Boolean).join(' ')}' (ccpor help lists them)`);
  const words = three ? 3 : two ? 2 : 1;
  const args = [second, third, ...rest].slice(words - 1).filter((a): a is string => a !== undefined);
  return (await cmd.run(args, { config, log })) ?? 0;
}

// Exit explicitly: a one-shot command must not linger on a reconnecting cache client.
main(process.argv.slice(2)).then(
  (code) => {
    process.exit(code);
  },
  (err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`ccpor: ${msg.split('\n')[0]}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
