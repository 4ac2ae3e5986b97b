// A lean HTTP/1.1 keep-alive client for the load generators (runFor, runLoad): one node:net
// socket per client, each request written as one Buffer, and a small response parser. It exists
// because the load generator runs on the same 2 cores as the server, and node:http's client
// spends about 90 µs of CPU per request there (docs/benchmarks.md, issue 3, round 5).
//
// One request in flight per connection (no pipelining). What the parser handles: status line and
// headers split anywhere across TCP chunks; `content-length`; `transfer-encoding: chunked` (any
// other transfer coding fails loudly); a body read until the server closes when neither is sent;
// no body for HEAD, 204 and 304; 1xx informational responses skipped; several messages in one
// chunk; `Connection: close` (or HTTP/1.0 without keep-alive) → the socket is closed after the
// response and the next request opens a new one. No dependency.
import net from 'node:net';

const CR = 13;
const LF = 10;
const MAX_HEAD = 64 * 1024;
const lower = (s) => Buffer.from(s, 'latin1');
const CONTENT_LENGTH = lower('content-length');
const TRANSFER_ENCODING = lower('transfer-encoding');
const CONNECTION = lower('connection');
const CLOSE = lower('close');
const KEEP_ALIVE = lower('keep-alive');
const NO_LENGTH_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);

/** How the body of a response was delimited. */
export const Framing = Object.freeze({ none: 'none', length: 'content-length', chunked: 'chunked', close: 'until-close' });

/** True when `buf[at, at + name.length)` equals `name` (lowercase letters and '-') ignoring case. */
function sameToken(buf, at, end, name) {
  if (end - at !== name.length) return false;
  for (let i = 0; i < name.length; i++) {
    const c = buf[at + i];
    const t = name[i];
    if (c !== t && (t === 0x2d || (c | 0x20) !== t)) return false;
  }
  return true;
}

const isSpace = (c) => c === 0x20 || c === 0x09;

/**
 * Incremental HTTP/1.x response parser. `push(chunk)` may be called with any split of the byte
 * stream; every complete message is passed to `onMessage(status, chunks, framing, close)`, where
 * `chunks` are the body's bytes (subarrays of the input, not copied) or `null` when
 * `keepBody(status)` said not to keep them. Throws an Error on a protocol violation; the
 * connection must then be dropped.
 */
export class ResponseParser {
  /**
   * @param {(status: number, chunks: Buffer[] | null, framing: string, close: boolean) => void} onMessage
   * @param {(status: number) => boolean} keepBody
   */
  constructor(onMessage, keepBody) {
    this.onMessage = onMessage;
    this.keepBody = keepBody;
    /** Set by the connection before each request: a HEAD request's response has no body. */
    this.headRequest = false;
    this.reset();
  }

  /** Back to the start of a message, dropping any partial one. */
  reset() {
    this.state = 'head';
    this.pendingHead = null;
    this.line = '';
    this.resetMessage();
  }

  resetMessage() {
    this.status = 0;
    this.remaining = 0;
    this.chunks = null;
    this.framing = Framing.none;
    this.close = false;
  }

  /** True between messages (nothing partial buffered). */
  get idle() {
    return this.state === 'head' && this.pendingHead === null;
  }

  /** @param {Buffer} chunk */
  push(chunk) {
    let data = chunk;
    let at = 0;
    while (at < data.length) {
      switch (this.state) {
        case 'head': {
          let from = at;
          if (this.pendingHead !== null) {
            from = Math.max(0, this.pendingHead.length - 3);
            data = Buffer.concat([this.pendingHead, data.subarray(at)]);
            at = 0;
            this.pendingHead = null;
          }
          const end = data.indexOf('\r\n\r\n', from, 'latin1');
          if (end < 0) {
            if (data.length - at > MAX_HEAD) throw new Error(`raw-http: response head longer than ${MAX_HEAD} bytes`);
            this.pendingHead = Buffer.from(data.subarray(at));
            return;
          }
          this.parseHead(data, at, end);
          at = end + 4;
          break;
        }
        case 'length':
        case 'chunk-data': {
          const n = Math.min(this.remaining, data.length - at);
          if (this.chunks !== null) this.chunks.push(data.subarray(at, at + n));
          this.remaining -= n;
          at += n;
          if (this.remaining === 0) {
            if (this.state === 'length') this.complete();
            else this.state = 'chunk-end';
          }
          break;
        }
        case 'until-close':
          if (this.chunks !== null) this.chunks.push(at === 0 ? data : data.subarray(at));
          return;
        default: {
          // 'chunk-size', 'chunk-end', 'trailers': line-oriented, rare enough for strings
          const nl = data.indexOf(LF, at);
          const stop = nl < 0 ? data.length : nl + 1;
          this.line += data.toString('latin1', at, stop);
          at = stop;
          if (this.line.length > MAX_HEAD) throw new Error('raw-http: chunked framing line too long');
          if (nl >= 0) {
            const line = this.line;
            this.line = '';
            if (!line.endsWith('\r\n')) throw new Error(`raw-http: chunked framing line not ended by CRLF: ${JSON.stringify(line)}`);
            this.chunkLine(line.slice(0, -2));
          }
        }
      }
    }
  }

  /** The server closed the connection: ends a body read until close; throws if a message was cut. */
  end() {
    if (this.state === 'until-close') {
      this.complete();
      return;
    }
    if (!this.idle) throw new Error(`raw-http: connection closed by the server in the middle of a response (${this.state})`);
  }

  /** @param {Buffer} data @param {number} start @param {number} end  the index of the head's final CRLFCRLF */
  parseHead(data, start, end) {
    // status line: HTTP/1.x SP 3DIGIT [SP reason]
    if (
      end - start < 12 ||
      data.toString('latin1', start, start + 7) !== 'HTTP/1.' ||
      data[start + 8] !== 0x20 ||
      !(data[start + 12] === 0x20 || data[start + 12] === CR)
    ) {
      throw new Error(`raw-http: bad status line: ${JSON.stringify(data.toString('latin1', start, Math.min(end, start + 80)))}`);
    }
    let status = 0;
    for (let i = start + 9; i < start + 12; i++) {
      const d = data[i] - 48;
      if (d < 0 || d > 9) throw new Error(`raw-http: bad status code in ${JSON.stringify(data.toString('latin1', start, start + 13))}`);
      status = status * 10 + d;
    }
    const http10 = data[start + 7] === 0x30;
    let contentLength = -1;
    let chunked = false;
    let close = http10;
    let p = data.indexOf(LF, start) + 1;
    while (p > 0 && p < end + 2) {
      const eol = data.indexOf(LF, p);
      const lineEnd = data[eol - 1] === CR ? eol - 1 : eol;
      const colon = data.indexOf(0x3a, p);
      if (colon < 0 || colon > lineEnd) throw new Error(`raw-http: bad header line: ${JSON.stringify(data.toString('latin1', p, lineEnd))}`);
      let vs = colon + 1;
      let ve = lineEnd;
      while (vs < ve && isSpace(data[vs])) vs++;
      while (ve > vs && isSpace(data[ve - 1])) ve--;
      if (sameToken(data, p, colon, CONTENT_LENGTH)) {
        let n = 0;
        if (vs === ve) throw new Error('raw-http: empty content-length');
        for (let i = vs; i < ve; i++) {
          const d = data[i] - 48;
          if (d < 0 || d > 9) throw new Error(`raw-http: bad content-length ${JSON.stringify(data.toString('latin1', vs, ve))}`);
          n = n * 10 + d;
        }
        if (contentLength >= 0 && contentLength !== n) throw new Error('raw-http: conflicting content-length headers');
        contentLength = n;
      } else if (sameToken(data, p, colon, TRANSFER_ENCODING)) {
        const codings = data.toString('latin1', vs, ve).toLowerCase().split(',');
        if (codings.at(-1)?.trim() !== 'chunked' || codings.length > 1) {
          throw new Error(`raw-http: unsupported transfer-encoding ${JSON.stringify(data.toString('latin1', vs, ve))} (only chunked is handled)`);
        }
        chunked = true;
      } else if (sameToken(data, p, colon, CONNECTION)) {
        if (sameToken(data, vs, ve, CLOSE)) close = true;
        else if (sameToken(data, vs, ve, KEEP_ALIVE)) close = false;
        else {
          const tokens = data.toString('latin1', vs, ve).toLowerCase().split(',');
          for (const t of tokens) {
            if (t.trim() === 'close') close = true;
            else if (t.trim() === 'keep-alive' && http10) close = false;
          }
        }
      }
      p = eol + 1;
    }
    if (status >= 100 && status < 200) {
      if (status === 101) throw new Error('raw-http: 101 Switching Protocols is not supported');
      return; // informational (100, 103): the real response follows
    }
    this.status = status;
    this.close = close;
    this.chunks = this.keepBody(status) ? [] : null;
    if (this.headRequest || status === 204 || status === 304) {
      this.complete();
    } else if (chunked) {
      this.framing = Framing.chunked;
      this.state = 'chunk-size';
    } else if (contentLength >= 0) {
      this.framing = Framing.length;
      this.remaining = contentLength;
      this.state = 'length';
      if (contentLength === 0) this.complete();
    } else {
      this.framing = Framing.close;
      this.close = true;
      this.state = 'until-close';
    }
  }

  /** @param {string} line  a chunk-size, chunk-end or trailer line without its CRLF */
  chunkLine(line) {
    if (this.state === 'chunk-size') {
      const hex = line.split(';', 1)[0].trim();
      if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new Error(`raw-http: bad chunk size ${JSON.stringify(line)}`);
      const size = parseInt(hex, 16);
      if (size === 0) this.state = 'trailers';
      else {
        this.remaining = size;
        this.state = 'chunk-data';
      }
    } else if (this.state === 'chunk-end') {
      if (line !== '') throw new Error(`raw-http: chunk not followed by CRLF: ${JSON.stringify(line)}`);
      this.state = 'chunk-size';
    } else if (line === '') {
      this.complete(); // end of the trailers
    }
  }

  complete() {
    const { status, chunks, framing, close } = this;
    this.state = 'head';
    this.resetMessage();
    this.onMessage(status, chunks, framing, close);
  }
}

/** A response: `status`, `ms` (from just before the write to the end of the body), `framing`, `body` (utf-8). */
export class RawResponse {
  constructor(status, chunks, ms, framing) {
    this.status = status;
    this.ms = ms;
    this.framing = framing;
    this.chunks = chunks;
    this.text = undefined;
  }

  /** The body as text; throws when the client was told not to keep it for this status. */
  get body() {
    if (this.text !== undefined) return this.text;
    if (this.chunks === null) {
      throw new Error(`raw-http: the body of this HTTP ${this.status} answer was not kept (keepBody: 'errors' keeps non-2xx bodies only)`);
    }
    this.text = this.chunks.length === 1 ? this.chunks[0].toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
    return this.text;
  }
}

/**
 * One keep-alive connection to `target`, one request at a time. The constant part of a request
 * (request line and headers up to `content-length: `) is built once per (method, path, headers
 * object) and reused; only the length and the body are written per request, into a reused buffer.
 */
export class RawHttpClient {
  /**
   * @param {{host: string, port: number}} target
   * @param {{keepBody?: boolean | 'errors'}} [options]  `true` (default): keep every body; `'errors'`: only non-2xx bodies
   */
  constructor(target, { keepBody = true } = {}) {
    this.target = target;
    this.hostHeader = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
    /** How many TCP connections this client opened. */
    this.connects = 0;
    this.socket = null;
    this.pending = null;
    this.scratch = Buffer.allocUnsafeSlow(16 * 1024);
    this.head = { method: '', path: '', headers: undefined, withBody: false, bytes: Buffer.alloc(0) };
    const keep = keepBody === 'errors' ? (s) => s < 200 || s >= 300 : keepBody ? () => true : () => false;
    this.parser = new ResponseParser((status, chunks, framing, close) => this.onMessage(status, chunks, framing, close), keep);
  }

  /**
   * Sends one request and resolves its RawResponse once the whole body has arrived. `body`: an
   * object (sent as JSON), a string (sent as is, `application/json` unless `headers` set a
   * content-type) or a Buffer. Rejects on a connection error or an unparsable response.
   * @param {{method: string, path: string, headers?: Record<string, string>, body?: unknown}} req
   * @returns {Promise<RawResponse>}
   */
  send(req) {
    if (this.pending !== null) return Promise.reject(new Error('raw-http: a request is already in flight on this connection'));
    let body;
    if (req.body === undefined) body = undefined;
    else if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) body = req.body;
    else body = JSON.stringify(req.body);
    const head = this.headFor(req, body !== undefined);
    if (this.socket === null) this.connect();
    const socket = this.socket;
    const bytes = body === undefined ? head : this.encode(head, body, socket);
    this.parser.headRequest = req.method === 'HEAD';
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, started: performance.now() };
      socket.write(bytes);
    });
  }

  /** Closes the connection (a request in flight is rejected). */
  close() {
    this.drop(new Error('raw-http: client closed'));
  }

  connect() {
    const socket = net.connect({ host: this.target.host, port: this.target.port });
    socket.setNoDelay(true);
    this.connects++;
    this.socket = socket;
    this.parser.reset();
    socket.on('data', (chunk) => {
      if (socket !== this.socket) return;
      try {
        this.parser.push(chunk);
      } catch (e) {
        this.drop(e);
      }
    });
    socket.on('end', () => {
      if (socket !== this.socket) return;
      try {
        this.parser.end();
        this.drop(new Error('raw-http: connection closed by the server before the response'));
      } catch (e) {
        this.drop(e);
      }
    });
    socket.on('error', (e) => {
      if (socket === this.socket) this.drop(e);
    });
    socket.on('close', () => {
      if (socket === this.socket) this.drop(new Error('raw-http: connection closed'));
    });
  }

  /** Forgets the socket (the next request reconnects) and rejects the request in flight with `err`. */
  drop(err) {
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    const p = this.pending;
    this.pending = null;
    p?.reject(err);
  }

  onMessage(status, chunks, framing, close) {
    const p = this.pending;
    if (p === null) throw new Error(`raw-http: HTTP ${status} response with no request in flight`);
    const ms = performance.now() - p.started;
    this.pending = null;
    if (close) {
      const socket = this.socket;
      this.socket = null;
      socket?.destroy();
    }
    p.resolve(new RawResponse(status, chunks, ms, framing));
  }

  /** The request line and headers, cached for the last (method, path, headers object). */
  headFor(req, withBody) {
    const h = this.head;
    if (h.method === req.method && h.path === req.path && h.headers === req.headers && h.withBody === withBody) return h.bytes;
    if (!/^[A-Z]+$/.test(req.method) || !/^\/[\x21-\x7e]*$/.test(req.path)) {
      throw new Error(`raw-http: bad request line ${JSON.stringify(`${req.method} ${req.path}`)}`);
    }
    let text = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\nconnection: keep-alive\r\n`;
    let contentType = false;
    for (const [name, value] of Object.entries(req.headers ?? {})) {
      const n = name.toLowerCase();
      if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(n) || /[\r\n]/.test(String(value))) throw new Error(`raw-http: bad header ${JSON.stringify(name)}`);
      if (n === 'content-length' || n === 'transfer-encoding' || n === 'host' || n === 'connection') {
        throw new Error(`raw-http: the client sets ${n} itself`);
      }
      if (n === 'content-type') contentType = true;
      text += `${name}: ${value}\r\n`;
    }
    if (withBody) text += `${contentType ? '' : 'content-type: application/json\r\n'}content-length: `;
    else text += NO_LENGTH_METHODS.has(req.method) ? '\r\n' : 'content-length: 0\r\n\r\n';
    this.head = { method: req.method, path: req.path, headers: req.headers, withBody, bytes: Buffer.from(text, 'latin1') };
    return this.head.bytes;
  }

  /**
   * One Buffer with head + content-length + CRLFCRLF + body: the body is written first at a fixed
   * offset (no separate byte-length pass), then the length's digits and the head right before it.
   */
  encode(head, body, socket) {
    const reserve = head.length + 16 + 4;
    const max = reserve + (typeof body === 'string' ? body.length * 3 : body.length);
    // the previous request's bytes may still be queued on the socket only if it never drained
    if (this.scratch.length < max || socket.writableLength > 0) this.scratch = Buffer.allocUnsafeSlow(Math.max(max, this.scratch.length));
    const buf = this.scratch;
    const n = typeof body === 'string' ? buf.write(body, reserve, 'utf8') : body.copy(buf, reserve);
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    let at = reserve - 4;
    buf[at] = CR;
    buf[at + 1] = LF;
    buf[at + 2] = CR;
    buf[at + 3] = LF;
    for (let x = n, i = 0; i < digits; i++, x = Math.floor(x / 10)) buf[--at] = 48 + (x % 10);
    const start = at - head.length;
    head.copy(buf, start);
    return buf.subarray(start, reserve + n);
  }
}
