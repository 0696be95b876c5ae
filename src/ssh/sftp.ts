// Order images over SFTP (ICD 7, issue 5): a small virtual file system on the SSH server.
//
//   /                      a directory holding `orders`
//   /orders                a directory (not listed: millions of orders)
//   /orders/<PNO>/         the order's pages, `page-001.pdf`, `page-002.png`, ...
//
// A CLERK of the issuing court uploads: any file name written into /orders/<PNO>/ becomes the
// order's next page, once it is complete (CLOSE), at most 20 MB, and a PDF, TIFF, PNG or JPEG by
// its content (not its name); stored with its SHA-256. Every signed-on role may list and download.
// Each upload and download is audited. Nothing else (rename, remove, mkdir) is possible.
import { createHash } from 'node:crypto';
import type { SFTPWrapper } from 'ssh2';
import ssh2 from 'ssh2';
import type { AuditTrail } from '../../db/audit.ts';
import { isUnavailable } from '../../db/database.ts';
import type { OrderImage, OrderImageType, Registry } from '../../db/registry.ts';
import { isWellFormedPno } from '../../protocol/index.ts';
import type { Clock } from '../clock.ts';
import type { SignedOnUser } from '../handlers/context.ts';
import type { Logger } from '../log.ts';

const { STATUS_CODE, OPEN_MODE } = ssh2.utils.sftp;

export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

const EXTENSIONS: Record<OrderImageType, string> = { 'application/pdf': 'pdf', 'image/tiff': 'tif', 'image/png': 'png', 'image/jpeg': 'jpg' };

/** The type of a scanned page, from its first bytes; undefined when it is none we keep. */
export function imageType(b: Buffer): OrderImageType | undefined {
  if (b.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  const tiff = b.subarray(0, 4).toString('latin1');
  if (tiff === 'II*\0' || tiff === 'MM\0*') return 'image/tiff';
  return undefined;
}

const pageName = (i: Pick<OrderImage, 'page' | 'contentType'>) => `page-${String(i.page).padStart(3, '0')}.${EXTENSIONS[i.contentType]}`;

export interface SftpDeps {
  registry: Registry;
  audit: AuditTrail;
  clock: Clock;
  log: Logger;
}

type Handle =
  | { kind: 'upload'; pno: string; chunks: Map<number, Buffer>; size: number; failed?: string }
  | { kind: 'download'; pno: string; page: number; bytes: Buffer }
  | { kind: 'dir'; path: string; sent: boolean };

type Path = { kind: 'root' } | { kind: 'orders' } | { kind: 'order'; pno: string } | { kind: 'file'; pno: string; name: string } | { kind: 'none' };

function normalize(path: string): string {
  const parts: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return '/' + parts.join('/');
}

function classify(path: string): Path {
  const parts = normalize(path).split('/').filter(Boolean);
  if (parts.length === 0) return { kind: 'root' };
  if (parts[0] !== 'orders') return { kind: 'none' };
  if (parts.length === 1) return { kind: 'orders' };
  const pno = parts[1]!.toUpperCase();
  if (!isWellFormedPno(pno)) return { kind: 'none' };
  if (parts.length === 2) return { kind: 'order', pno };
  if (parts.length === 3) return { kind: 'file', pno, name: parts[2]! };
  return { kind: 'none' };
}

const DIR_MODE = 0o040555;
const FILE_MODE = 0o100444;

export function serveSftp(sftp: SFTPWrapper, user: SignedOnUser, terminal: string, source: string, deps: SftpDeps): void {
  const handles = new Map<number, Handle>();
  let nextHandle = 1;
  const log = deps.log.child({ terminal, user: user.name, component: 'sftp' });
  const now = () => Math.floor(deps.clock.now().getTime() / 1000);
  const dirAttrs = () => ({ mode: DIR_MODE, uid: 0, gid: 0, size: 0, atime: now(), mtime: now() });
  const newHandle = (h: Handle) => {
    const id = nextHandle++;
    handles.set(id, h);
    const b = Buffer.alloc(4);
    b.writeUInt32BE(id);
    return b;
  };
  const handleOf = (b: Buffer) => (b.length === 4 ? handles.get(b.readUInt32BE(0)) : undefined);
  const audit = (op: string, pno: string, outcome: string, fields: Record<string, string | number> = {}) =>
    deps.audit.record({
      at: deps.clock.now(), user: user.name, ori: user.ori, terminal, source, mke: 'IMG',
      fields: { OP: op, PNO: pno, ...fields }, outcome, records: outcome === 'ACK' ? 1 : 0, durationMs: 0,
    });
  // Registry trouble must not end the session or crash the server: the client gets a failure.
  const guard = (reqid: number, work: () => Promise<void>) =>
    void work().catch((err: unknown) => {
      log.warn({ err: (err as Error).message }, 'sftp request failed');
      sftp.status(reqid, STATUS_CODE.FAILURE, isUnavailable(err) ? 'REGISTRY TEMPORARILY UNAVAILABLE - RETRY' : 'REQUEST COULD NOT BE COMPLETED');
    });
  const images = (pno: string) => deps.registry.orderImages(pno);

  sftp.on('error', (err: Error) => log.debug({ err: err.message }, 'sftp error'));
  // The client's end of the session ends ours (else OpenSSH's sftp waits for our close forever).
  sftp.on('end', () => sftp.end());

  sftp.on('REALPATH', (reqid, path) => {
    const p = normalize(path === '' || path === '.' ? '/' : path);
    sftp.name(reqid, [{ filename: p, longname: p, attrs: dirAttrs() }]);
  });

  const stat = (reqid: number, path: string) =>
    guard(reqid, async () => {
      const p = classify(path);
      if (p.kind === 'root' || p.kind === 'orders') return sftp.attrs(reqid, dirAttrs());
      if (p.kind === 'order') {
        return (await images(p.pno)) ? sftp.attrs(reqid, dirAttrs()) : sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE, `NO ORDER ${p.pno}`);
      }
      if (p.kind === 'file') {
        const found = (await images(p.pno))?.find((i) => pageName(i) === p.name);
        if (found) return sftp.attrs(reqid, { mode: FILE_MODE, uid: 0, gid: 0, size: found.size, atime: Math.floor(found.uploadedAt.getTime() / 1000), mtime: Math.floor(found.uploadedAt.getTime() / 1000) });
      }
      sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE, 'NO SUCH FILE');
    });
  sftp.on('STAT', stat);
  sftp.on('LSTAT', stat);

  sftp.on('OPENDIR', (reqid, path) =>
    guard(reqid, async () => {
      const p = classify(path);
      if (p.kind === 'order' && !(await images(p.pno))) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE, `NO ORDER ${p.pno}`);
      if (p.kind === 'none' || p.kind === 'file') return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE, 'NO SUCH DIRECTORY');
      sftp.handle(reqid, newHandle({ kind: 'dir', path: normalize(path), sent: false }));
    }),
  );

  sftp.on('READDIR', (reqid, hb) =>
    guard(reqid, async () => {
      const h = handleOf(hb);
      if (!h || h.kind !== 'dir') return sftp.status(reqid, STATUS_CODE.FAILURE, 'BAD HANDLE');
      if (h.sent) return sftp.status(reqid, STATUS_CODE.EOF);
      h.sent = true;
      const p = classify(h.path);
      if (p.kind === 'root') return sftp.name(reqid, [{ filename: 'orders', longname: 'dr-xr-xr-x 1 ccpor ccpor 0 orders', attrs: dirAttrs() }]);
      if (p.kind !== 'order') return sftp.status(reqid, STATUS_CODE.EOF);
      const list = (await images(p.pno)) ?? [];
      if (list.length === 0) return sftp.status(reqid, STATUS_CODE.EOF);
      sftp.name(reqid, list.map((i) => {
        const t = Math.floor(i.uploadedAt.getTime() / 1000);
        return { filename: pageName(i), longname: `-r--r--r-- 1 ${i.uploadedBy.padEnd(8)} ccpor ${String(i.size).padStart(9)} ${i.uploadedAt.toISOString().slice(0, 16).replace('T', ' ')} ${pageName(i)}`, attrs: { mode: FILE_MODE, uid: 0, gid: 0, size: i.size, atime: t, mtime: t } };
      }));
    }),
  );

  sftp.on('OPEN', (reqid, filename, flags) =>
    guard(reqid, async () => {
      const p = classify(filename);
      if (p.kind !== 'file') return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE, 'FILES LIVE IN /orders/<PNO>/');
      const list = await images(p.pno);
      if (!list) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE, `NO ORDER ${p.pno}`);
      if (flags & OPEN_MODE.WRITE) {
        const [order] = await deps.registry.findOrderByPno(p.pno, { includeInactive: true });
        if (user.role !== 'CLERK' || order?.cti !== user.ori) {
          void audit('UPLOAD', p.pno, 'REJ PRM');
          return sftp.status(reqid, STATUS_CODE.PERMISSION_DENIED, `ONLY A CLERK OF THE ISSUING COURT ${order?.cti ?? ''} MAY UPLOAD`.trim());
        }
        return sftp.handle(reqid, newHandle({ kind: 'upload', pno: p.pno, chunks: new Map(), size: 0 }));
      }
      const found = list.find((i) => pageName(i) === p.name);
      if (!found) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE, 'NO SUCH PAGE');
      const bytes = await deps.registry.orderImageBytes(p.pno, found.page);
      if (!bytes) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE, 'NO SUCH PAGE');
      void audit('DOWNLOAD', p.pno, 'ACK', { PAGE: found.page, SHA256: found.sha256 });
      sftp.handle(reqid, newHandle({ kind: 'download', pno: p.pno, page: found.page, bytes }));
    }),
  );

  sftp.on('WRITE', (reqid, hb, offset, data) => {
    const h = handleOf(hb);
    if (!h || h.kind !== 'upload') return sftp.status(reqid, STATUS_CODE.FAILURE, 'BAD HANDLE');
    if (h.failed) return sftp.status(reqid, STATUS_CODE.FAILURE, h.failed);
    // Clients keep many writes in flight; they are put together at CLOSE.
    if (offset + data.length > MAX_IMAGE_BYTES) {
      h.failed = 'FILE LARGER THAN 20 MB';
      h.chunks.clear();
      return sftp.status(reqid, STATUS_CODE.FAILURE, h.failed);
    }
    h.chunks.set(offset, Buffer.from(data));
    h.size = Math.max(h.size, offset + data.length);
    sftp.status(reqid, STATUS_CODE.OK);
  });

  sftp.on('READ', (reqid, hb, offset, length) => {
    const h = handleOf(hb);
    if (!h || h.kind !== 'download') return sftp.status(reqid, STATUS_CODE.FAILURE, 'BAD HANDLE');
    if (offset >= h.bytes.length) return sftp.status(reqid, STATUS_CODE.EOF);
    sftp.data(reqid, h.bytes.subarray(offset, Math.min(h.bytes.length, offset + length)));
  });

  sftp.on('FSTAT', (reqid, hb) => {
    const h = handleOf(hb);
    if (!h) return sftp.status(reqid, STATUS_CODE.FAILURE, 'BAD HANDLE');
    const size = h.kind === 'download' ? h.bytes.length : h.kind === 'upload' ? h.size : 0;
    sftp.attrs(reqid, { mode: h.kind === 'dir' ? DIR_MODE : FILE_MODE, uid: 0, gid: 0, size, atime: now(), mtime: now() });
  });
  // Setting times or modes (sftp -p) changes nothing here; say yes so that uploads complete.
  sftp.on('FSETSTAT', (reqid) => sftp.status(reqid, STATUS_CODE.OK));
  sftp.on('SETSTAT', (reqid) => sftp.status(reqid, STATUS_CODE.OK));

  sftp.on('CLOSE', (reqid, hb) =>
    guard(reqid, async () => {
      const h = handleOf(hb);
      if (!h) return sftp.status(reqid, STATUS_CODE.FAILURE, 'BAD HANDLE');
      handles.delete(hb.readUInt32BE(0));
      if (h.kind !== 'upload') return sftp.status(reqid, STATUS_CODE.OK);
      if (h.failed) {
        void audit('UPLOAD', h.pno, 'REJ FLD', { REASON: h.failed });
        return sftp.status(reqid, STATUS_CODE.FAILURE, h.failed);
      }
      const bytes = Buffer.alloc(h.size);
      let covered = 0;
      for (const [offset, chunk] of [...h.chunks].sort((a, b) => a[0] - b[0])) {
        if (offset > covered) break; // a hole: refused below
        chunk.copy(bytes, offset);
        covered = Math.max(covered, offset + chunk.length);
      }
      if (covered !== h.size) {
        void audit('UPLOAD', h.pno, 'REJ FLD', { REASON: 'INCOMPLETE FILE' });
        return sftp.status(reqid, STATUS_CODE.FAILURE, 'INCOMPLETE FILE (A PART WAS NEVER WRITTEN)');
      }
      const type = imageType(bytes);
      if (!type) {
        void audit('UPLOAD', h.pno, 'REJ FLD', { REASON: 'NOT A PDF, TIFF, PNG OR JPEG', BYTES: bytes.length });
        return sftp.status(reqid, STATUS_CODE.FAILURE, 'NOT A PDF, TIFF, PNG OR JPEG (CHECKED BY CONTENT)');
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const page = await deps.registry.addOrderImage(h.pno, { bytes, contentType: type, sha256 }, { user: user.name, ori: user.ori });
      // On the audit trail before the client hears it is stored, like any write.
      await audit('UPLOAD', h.pno, 'ACK', { PAGE: page, BYTES: bytes.length, SHA256: sha256, TYPE: type });
      log.info({ pno: h.pno, page, bytes: bytes.length }, 'order image stored');
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  const refuse = (reqid: number) => sftp.status(reqid, STATUS_CODE.PERMISSION_DENIED, 'ORDER IMAGES ARE ONLY ADDED, NEVER CHANGED OR REMOVED');
  for (const ev of ['REMOVE', 'RENAME', 'MKDIR', 'RMDIR', 'SYMLINK'] as const) sftp.on(ev, refuse);
  sftp.on('READLINK', (reqid) => sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE));
}
