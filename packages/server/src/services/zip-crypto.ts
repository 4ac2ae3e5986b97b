/**
 * A one-file ZIP archive encrypted with the traditional PKWARE stream cipher ("ZipCrypto"),
 * the format TheHive uses for malware downloads (password `malware`) and the one Python's
 * `zipfile` can read (it cannot read AES). Entries are stored, not compressed.
 *
 * The archive is produced as a stream: the local header sets the data-descriptor flag, so the
 * CRC and sizes follow the data, and the encryption header's check byte is the high byte of
 * the DOS time (APPNOTE 6.1.6), which lets the content be encrypted as it is read.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { BadRequestError } from '../errors/errors.js';

const CRC_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** One CRC-32 step on a running (pre-inverted) register. */
function crcByte(crc: number, b: number): number {
  return (CRC_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8)) >>> 0;
}

/** CRC-32 (IEEE) of `data`, continuing from `crc` (0 to start). */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = crcByte(c, data[i]!);
  return ~c >>> 0;
}

/** The traditional PKWARE cipher state (APPNOTE 6.1). */
export class ZipCryptoCipher {
  private k0 = 0x12345678;
  private k1 = 0x23456789;
  private k2 = 0x34567890;

  constructor(password: string | Uint8Array) {
    const bytes = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
    for (const b of bytes) this.update(b);
  }

  private update(b: number): void {
    this.k0 = crcByte(this.k0, b);
    this.k1 = (Math.imul((this.k1 + (this.k0 & 0xff)) >>> 0, 134775813) + 1) >>> 0;
    this.k2 = crcByte(this.k2, this.k1 >>> 24);
  }

  private keystreamByte(): number {
    const t = (this.k2 | 2) & 0xffff;
    return ((t * (t ^ 1)) >>> 8) & 0xff;
  }

  /** Encrypts `data` (a new buffer; the cipher state advances). */
  encrypt(data: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(data.length);
    for (let i = 0; i < data.length; i++) {
      const p = data[i]!;
      out[i] = p ^ this.keystreamByte();
      this.update(p);
    }
    return out;
  }

  /** Decrypts `data` (used by tests and for symmetry). */
  decrypt(data: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(data.length);
    for (let i = 0; i < data.length; i++) {
      const p = data[i]! ^ this.keystreamByte();
      out[i] = p;
      this.update(p);
    }
    return out;
  }
}

function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: ((d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2)) & 0xffff,
    date: (((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate()) & 0xffff,
  };
}

const MAX_SIZE = 0xffffffff - 12;

/**
 * Streams a ZIP holding one entry `name` with the bytes of `source`, encrypted with
 * `password`. Throws BadRequestError (through the stream) past 4 GiB (no ZIP64).
 */
export function zipCryptoStream(name: string, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, password: string, now = new Date()): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    const nameBytes = Buffer.from(name, 'utf8');
    const utf8 = /[^\x20-\x7e]/.test(name);
    const flags = 0x0001 | 0x0008 | (utf8 ? 0x0800 : 0);
    const { time, date } = dosDateTime(now);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    // crc, compressed and uncompressed sizes are in the data descriptor
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    yield Buffer.concat([local, nameBytes]);

    const cipher = new ZipCryptoCipher(password);
    const header = randomBytes(12);
    header[11] = (time >>> 8) & 0xff;
    yield cipher.encrypt(header);

    let crc = 0xffffffff;
    let size = 0;
    for await (const chunk of source) {
      const bytes = chunk instanceof Buffer ? chunk : Buffer.from(chunk);
      size += bytes.length;
      if (size > MAX_SIZE) throw new BadRequestError('The file is too large for a ZIP download');
      for (let i = 0; i < bytes.length; i++) crc = crcByte(crc, bytes[i]!);
      yield cipher.encrypt(bytes);
    }
    crc = ~crc >>> 0;
    const compressed = size + 12;

    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc, 4);
    descriptor.writeUInt32LE(compressed, 8);
    descriptor.writeUInt32LE(size, 12);
    yield descriptor;

    const localSize = 30 + nameBytes.length + compressed + 16;
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6); // version needed
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra, comment, disk start, internal attrs, external attrs, local header offset: 0
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(1, 8);
    end.writeUInt16LE(1, 10);
    end.writeUInt32LE(46 + nameBytes.length, 12);
    end.writeUInt32LE(localSize, 16);
    yield Buffer.concat([central, nameBytes, end]);
  }
  return Readable.from(generate(), { objectMode: false });
}

/** The whole archive in memory (small files and tests). */
export async function zipCrypto(name: string, data: Uint8Array, password: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of zipCryptoStream(name, [data], password)) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}
