/**
 * The `.thar` case archive codec: a ZIP whose entries are deflated and encrypted with the
 * traditional PKWARE cipher (ZipCrypto, see zip-crypto.ts), readable by `unzip` and Python's
 * `zipfile` with the password. Archives are built and read in memory; reading is bounded
 * (entry count, total uncompressed size) so a crafted archive cannot exhaust memory.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { crc32, ZipCryptoCipher } from './zip-crypto.js';
import { BadRequestError } from '../errors/errors.js';

export interface TharEntry {
  name: string;
  data: Buffer;
}

export interface TharLimits {
  maxEntries: number;
  /** Sum of the uncompressed sizes of every entry. */
  maxTotalSize: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;

function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: ((d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2)) & 0xffff,
    date: (((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate()) & 0xffff,
  };
}

/** Builds an encrypted archive of `entries`. Throws BadRequestError past the 4 GiB ZIP limit. */
export function writeThar(entries: readonly TharEntry[], password: string, now = new Date()): Buffer {
  const { time, date } = dosDateTime(now);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(e.data);
    const deflated = deflateRawSync(e.data);
    const cipher = new ZipCryptoCipher(password);
    const header = randomBytes(12);
    header[11] = crc >>> 24;
    const body = Buffer.concat([cipher.encrypt(header), cipher.encrypt(deflated)]);
    if (body.length > 0xfffffffe || e.data.length > 0xfffffffe || offset > 0xfffffffe) throw new BadRequestError('The case is too large to export');
    const flags = 0x0001 | 0x0800;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(SIG_LOCAL, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(SIG_CENTRAL, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(SIG_END, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const bad = (why: string): BadRequestError => new BadRequestError(`Invalid case archive: ${why}`);

/**
 * Reads every entry of an archive, decrypting with `password` (unencrypted entries are read
 * as is). Throws BadRequestError on a wrong password, a corrupt or unsupported archive
 * (ZIP64, methods other than stored/deflate) or one past `limits`.
 */
export function readThar(buf: Buffer, password: string, limits: TharLimits): TharEntry[] {
  let endAt = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === SIG_END) {
      endAt = i;
      break;
    }
  }
  if (endAt < 0) throw bad('not a ZIP file');
  const count = buf.readUInt16LE(endAt + 10);
  const cdSize = buf.readUInt32LE(endAt + 12);
  const cdOffset = buf.readUInt32LE(endAt + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw bad('ZIP64 is not supported');
  if (count > limits.maxEntries) throw bad(`more than ${limits.maxEntries} entries`);
  if (cdOffset + cdSize > endAt) throw bad('corrupt central directory');
  const out: TharEntry[] = [];
  let total = 0;
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > endAt || buf.readUInt32LE(p) !== SIG_CENTRAL) throw bad('corrupt central directory');
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const time = buf.readUInt16LE(p + 12);
    const crc = buf.readUInt32LE(p + 16);
    const compSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localAt = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    if (method !== 0 && method !== 8) throw bad(`entry ${name}: compression method ${method} is not supported`);
    if (flags & 0x0040) throw bad(`entry ${name}: strong encryption is not supported`);
    total += size;
    if (total > limits.maxTotalSize) throw bad('the content is too large');
    if (localAt + 30 > buf.length || buf.readUInt32LE(localAt) !== SIG_LOCAL) throw bad(`entry ${name}: corrupt local header`);
    const start = localAt + 30 + buf.readUInt16LE(localAt + 26) + buf.readUInt16LE(localAt + 28);
    if (start + compSize > buf.length) throw bad(`entry ${name}: truncated`);
    let body = buf.subarray(start, start + compSize);
    if (flags & 0x0001) {
      if (body.length < 12) throw bad(`entry ${name}: truncated`);
      const cipher = new ZipCryptoCipher(password);
      const header = cipher.decrypt(body.subarray(0, 12));
      const check = flags & 0x0008 ? (time >>> 8) & 0xff : crc >>> 24;
      if (header[11] !== check) throw new BadRequestError('Invalid case archive password');
      body = cipher.decrypt(body.subarray(12));
    }
    let data: Buffer;
    try {
      data = method === 8 ? inflateRawSync(body, { maxOutputLength: Math.max(1, size) }) : Buffer.from(body);
    } catch {
      throw flags & 0x0001 ? new BadRequestError('Invalid case archive password') : bad(`entry ${name}: corrupt data`);
    }
    if (data.length !== size || crc32(data) !== crc) {
      throw flags & 0x0001 ? new BadRequestError('Invalid case archive password') : bad(`entry ${name}: checksum mismatch`);
    }
    out.push({ name, data });
  }
  return out;
}
