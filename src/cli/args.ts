// Command-line flags, read with node's parseArgs and checked with zod at this edge.
import { parseArgs } from 'node:util';
import { z } from 'zod';

export class UsageError extends Error {}

export function readFlags<S extends z.ZodRawShape>(argv: string[], shape: S, booleans: string[] = []): z.infer<z.ZodObject<S>> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const k of Object.keys(shape)) options[k] = { type: booleans.includes(k) ? 'boolean' : 'string' };
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  const parsed = z.object(shape).safeParse(values);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UsageError(`--${i.path.join('.')}: ${i.message}`);
  }
  return parsed.data;
}
