// pino JSON logs; a human-readable form on a developer's terminal.
// Secrets never reach a log line: the redaction paths are fixed here, once.
import pino, { type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'pwd',
  'otp',
  'password',
  '*.pwd',
  '*.otp',
  '*.password',
  '*.PWD',
  '*.OTP',
  'PWD',
  'OTP',
  'totpSecret',
  '*.totpSecret',
];

export function createLogger(opts: { level: string; format: 'json' | 'pretty' }): Logger {
  const base = { level: opts.level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } };
  if (opts.format === 'pretty') {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'SYS:standard' } },
    });
  }
  return pino(base, pino.destination(2));
}

/** A logger that drops everything: for tests and tools that print their own output. */
export const silentLogger: Logger = pino({ level: 'silent' });
