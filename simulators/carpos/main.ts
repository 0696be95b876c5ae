// carpos — a simulated DOJ CARPOS for demos and local runs (README.md beside this file).
//
//   npm run carpos -- [--port 8443] [--host 127.0.0.1] [--tls [--cert F --key F]] [--data FILE]
//
// An independent peer of the registry: it imports nothing of db/ or src/.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startCarposSimulator } from './server.ts';
import { selfSignedPair } from './tls.ts';

const USAGE = `carpos - simulated DOJ CARPOS (API in simulators/carpos/README.md)

  --port P          port to listen on (8443; 0 for any free port)
  --host H          address to listen on (127.0.0.1)
  --tls             HTTPS with a self-signed certificate for localhost and 127.0.0.1, written
                    beside --data (or in the temporary folder); give it to the gateway as
                    CARPOS_CA_FILE. --cert FILE --key FILE: your own pair instead.
  --data FILE       keep records, answers and the received log in FILE (JSON), across restarts
  --quiet           no line per request
`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '8443' },
        host: { type: 'string', default: '127.0.0.1' },
        tls: { type: 'boolean', default: false },
        cert: { type: 'string' },
        key: { type: 'string' },
        data: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`carpos: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`carpos: --port: a port number\n`);
    return 2;
  }
  let tls: { cert: string; key: string } | undefined;
  let certNote = '';
  if (values.cert || values.key) {
    if (!values.cert || !values.key) {
      process.stderr.write('carpos: --cert and --key go together\n');
      return 2;
    }
    tls = { cert: readFileSync(values.cert, 'utf8'), key: readFileSync(values.key, 'utf8') };
  } else if (values.tls) {
    const pair = await selfSignedPair(values.data ? dirname(resolve(values.data)) : tmpdir());
    tls = pair;
    certNote = `\ncertificate: ${pair.certFile} (CARPOS_CA_FILE=${pair.certFile})`;
  }
  const sim = await startCarposSimulator({
    port,
    host: values.host,
    tls,
    dataFile: values.data,
    log: values.quiet ? undefined : (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  });
  process.stdout.write(`CARPOS simulator listening on ${sim.url}${certNote}\n`);
  process.stdout.write(`gateway: CARPOS_URL=${sim.url}${values.data ? `  data: ${values.data}` : ''}\n`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await sim.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`carpos: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
