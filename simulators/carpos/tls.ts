// A self-signed certificate for the simulator's HTTPS (localhost and 127.0.0.1), kept in a folder
// so that a restart keeps it: the gateway trusts it through CARPOS_CA_FILE.
import { join } from 'node:path';
import { keptSelfSigned } from '../../src/transport/self-signed.ts';

export async function selfSignedPair(dir: string): Promise<{ cert: string; key: string; certFile: string }> {
  const certFile = join(dir, 'carpos-sim-cert.pem');
  const { cert, key } = await keptSelfSigned({ certFile, keyFile: join(dir, 'carpos-sim-key.pem'), commonName: 'carpos-simulator.localhost', years: 1 });
  return { cert, key, certFile };
}
