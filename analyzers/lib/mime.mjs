// A small RFC 5322 / MIME parser: headers (unfolded, RFC 2047 decoded), multipart bodies,
// base64 and quoted-printable transfer encodings.

/** Splits a raw message or part into header lines and body. */
export function splitMessage(buf) {
  const text = buf.toString('latin1');
  const m = /\r?\n\r?\n/.exec(text);
  const headEnd = m ? m.index : text.length;
  const bodyStart = m ? m.index + m[0].length : text.length;
  const headers = [];
  for (const line of text.slice(0, headEnd).split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length) headers[headers.length - 1].value += ` ${line.trim()}`;
    else {
      const i = line.indexOf(':');
      if (i > 0) headers.push({ name: line.slice(0, i).trim(), value: line.slice(i + 1).trim() });
    }
  }
  for (const h of headers) h.value = decodeWords(Buffer.from(h.value, 'latin1').toString('utf8'));
  return { headers, body: buf.subarray(Buffer.byteLength(text.slice(0, bodyStart), 'latin1')) };
}

export function header(headers, name) {
  return headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}

export function headerAll(headers, name) {
  return headers.filter((h) => h.name.toLowerCase() === name.toLowerCase()).map((h) => h.value);
}

/** RFC 2047 encoded words. */
export function decodeWords(s) {
  return s.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=(\s+(?==\?))?/g, (_m, charset, enc, text) => {
    const bytes =
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : Buffer.from(
            text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, h) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          );
    try {
      return new TextDecoder(charset.toLowerCase()).decode(bytes);
    } catch {
      return bytes.toString('utf8');
    }
  });
}

/** Parameters of a structured header: `text/plain; charset="utf-8"` -> {value, params}. */
export function params(value = '') {
  const [first, ...rest] = value.split(';');
  const out = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i < 0) continue;
    out[p.slice(0, i).trim().toLowerCase().replace(/\*$/, '')] = p
      .slice(i + 1)
      .trim()
      .replace(/^"|"$/g, '')
      .replace(/^utf-8''/i, '');
  }
  return { value: first.trim().toLowerCase(), params: out };
}

export function decodeBody(body, encoding = '') {
  const e = encoding.toLowerCase().trim();
  if (e === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (e === 'quoted-printable') {
    const t = body.toString('latin1').replace(/=\r?\n/g, '');
    return Buffer.from(
      t.replace(/=([0-9A-Fa-f]{2})/g, (_x, h) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    );
  }
  return body;
}

/** Walks a MIME tree; calls `leaf({headers, contentType, params, disposition, filename, content})` for every non-multipart part. */
export function walk(buf, leaf, depth = 0) {
  const { headers, body } = splitMessage(buf);
  const ct = params(header(headers, 'content-type') ?? 'text/plain');
  if (ct.value.startsWith('multipart/') && ct.params.boundary && depth < 20) {
    const sep = `--${ct.params.boundary}`;
    const text = body.toString('latin1');
    const pieces = text.split(sep).slice(1);
    for (const piece of pieces) {
      if (piece.startsWith('--')) break;
      walk(Buffer.from(piece.replace(/^\r?\n/, '').replace(/\r?\n$/, ''), 'latin1'), leaf, depth + 1);
    }
    return headers;
  }
  const disp = params(header(headers, 'content-disposition') ?? '');
  const filename = disp.params.filename ?? ct.params.name;
  const content = decodeBody(body, header(headers, 'content-transfer-encoding'));
  leaf({ headers, contentType: ct.value, params: ct.params, disposition: disp.value, filename: filename ? decodeWords(filename) : undefined, content });
  return headers;
}
