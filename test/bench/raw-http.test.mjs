/**
 * The benchmarks' raw HTTP/1.1 client (bench/lib/raw-http.mjs) against real servers on loopback:
 * a node:http server (content-length, chunked, a body written in several small writes, a 4xx
 * with a JSON body, `Connection: close`, an idle connection closed by the server) and a node:net
 * server that writes exact bytes (informational 1xx + final response in one write, a body read
 * until close, unsupported transfer coding, garbage, a connection cut mid-body). The parser alone
 * is fed every split of a byte stream of several responses. Nothing is mocked.
 */
import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { RawHttpClient, ResponseParser } from '../../bench/lib/raw-http.mjs';
import { runFor } from '../../bench/lib/load-for.mjs';
import { runLoad } from '../../bench/lib/load.mjs';

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ host: '127.0.0.1', port: server.address().port })));
const closeServer = (server) => new Promise((resolve) => server.close(() => resolve()));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A JSON answer with a content-length, as Fastify sends them. */
const json = (res, status, text, headers = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);

describe('raw-http client against node:http', () => {
  const server = http.createServer();
  /** Every request the server received: method, url, headers, body text. */
  const seen = [];
  let connections = 0;
  /** When the last piece of /pieces was written and when its request arrived (performance.now()). */
  let pieces = { arrived: 0, lastWrite: 0 };
  let target;

  server.on('connection', () => connections++);
  server.on('request', (req, res) => {
    const arrived = performance.now();
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      const url = new URL(req.url, 'http://x');
      switch (url.pathname) {
        case '/json':
          json(res, 201, JSON.stringify({ _id: '~1', received: body.length }));
          return;
        case '/chunked':
          // no content-length: node:http sends transfer-encoding: chunked
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('first,');
          res.write('second,');
          res.end('third');
          return;
        case '/pieces': {
          const text = '{"pieces":["a","bb","ccc","dddd"]}';
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          const cuts = [0, 5, 14, 22, text.length];
          let k = 0;
          const next = () => {
            res.write(text.slice(cuts[k], cuts[k + 1]));
            k++;
            if (k < cuts.length - 1) setTimeout(next, 15);
            else {
              pieces = { arrived, lastWrite: performance.now() };
              res.end();
            }
          };
          next();
          return;
        }
        case '/bad':
          json(res, 400, JSON.stringify({ type: 'BadRequest', message: 'title: required' }));
          return;
        case '/close':
          json(res, 200, '{"closing":true}', { connection: 'close' });
          return;
        case '/empty':
          res.writeHead(204).end();
          return;
        default:
          res.writeHead(404).end('not found');
      }
    });
  });

  before(async () => {
    target = await listen(server);
  });
  after(async () => {
    server.closeAllConnections();
    await closeServer(server);
  });

  test('content-length answer: status, body, latency; the request is one well-formed message', async () => {
    const client = new RawHttpClient(target);
    const body = { title: 'héllo wörld ✓', n: 1 };
    const res = await client.send({ method: 'POST', path: '/json?x=1', headers: { authorization: 'Bearer k1' }, body });
    assert.equal(res.status, 201);
    assert.equal(res.framing, 'content-length');
    const text = JSON.stringify(body);
    assert.deepEqual(JSON.parse(res.body), { _id: '~1', received: text.length });
    assert.ok(Number.isFinite(res.ms) && res.ms > 0, `latency ${res.ms}`);
    const got = seen.at(-1);
    assert.equal(got.method, 'POST');
    assert.equal(got.url, '/json?x=1');
    assert.equal(got.body, text);
    assert.equal(got.headers['content-length'], String(Buffer.byteLength(text)), 'content-length counts utf-8 bytes');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers.authorization, 'Bearer k1');
    assert.equal(got.headers.host, `127.0.0.1:${target.port}`);
    // a GET has no body and no content-length; a string body is sent as is
    const g = await client.send({ method: 'GET', path: '/json' });
    assert.equal(g.status, 201);
    assert.equal(seen.at(-1).headers['content-length'], undefined);
    const s = await client.send({ method: 'PUT', path: '/json', headers: { 'content-type': 'text/plain' }, body: 'plain text' });
    assert.equal(s.status, 201);
    assert.equal(seen.at(-1).body, 'plain text');
    assert.equal(seen.at(-1).headers['content-type'], 'text/plain');
    assert.equal(client.connects, 1, 'keep-alive: one connection for the three requests');
    client.close();
  });

  test('chunked answer is decoded', async () => {
    const client = new RawHttpClient(target);
    const res = await client.send({ method: 'GET', path: '/chunked' });
    assert.equal(res.status, 200);
    assert.equal(res.framing, 'chunked');
    assert.equal(res.body, 'first,second,third');
    assert.ok(res.ms > 0);
    // the connection is still usable after the last chunk and trailer
    const again = await client.send({ method: 'GET', path: '/chunked' });
    assert.equal(again.body, 'first,second,third');
    assert.equal(client.connects, 1);
    client.close();
  });

  test('a body written in several small writes: whole body, latency up to its last byte', async () => {
    const client = new RawHttpClient(target);
    const res = await client.send({ method: 'POST', path: '/pieces', body: { ask: 'pieces' } });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { pieces: ['a', 'bb', 'ccc', 'dddd'] });
    // the client's clock started before the request arrived and stopped after the last write
    assert.ok(res.ms >= pieces.lastWrite - pieces.arrived, `latency ${res.ms} ms covers the server's ${pieces.lastWrite - pieces.arrived} ms`);
    client.close();
  });

  test('4xx with a JSON body; keepBody "errors" keeps only non-2xx bodies', async () => {
    const client = new RawHttpClient(target, { keepBody: 'errors' });
    const bad = await client.send({ method: 'POST', path: '/bad', body: {} });
    assert.equal(bad.status, 400);
    assert.deepEqual(JSON.parse(bad.body), { type: 'BadRequest', message: 'title: required' });
    assert.ok(bad.ms > 0);
    const ok = await client.send({ method: 'POST', path: '/json', body: {} });
    assert.equal(ok.status, 201);
    assert.throws(() => ok.body, /body of this HTTP 201 answer was not kept/);
    const none = await client.send({ method: 'DELETE', path: '/empty' });
    assert.equal(none.status, 204);
    assert.equal(none.framing, 'none');
    assert.equal(client.connects, 1);
    client.close();
  });

  test('Connection: close from the server: the next request reconnects', async () => {
    const client = new RawHttpClient(target);
    const first = await client.send({ method: 'GET', path: '/json' });
    assert.equal(first.status, 201);
    const before = connections;
    const closing = await client.send({ method: 'GET', path: '/close' });
    assert.equal(closing.status, 200);
    assert.deepEqual(JSON.parse(closing.body), { closing: true });
    assert.equal(client.connects, 1);
    const next = await client.send({ method: 'GET', path: '/json' });
    assert.equal(next.status, 201);
    assert.equal(client.connects, 2, 'a second connection after the close');
    assert.equal(connections, before + 1, 'the server saw one new connection');
    const again = await client.send({ method: 'GET', path: '/json' });
    assert.equal(again.status, 201);
    assert.equal(client.connects, 2, 'and keeps that one');
    client.close();
  });

  test('an idle connection closed by the server: the next request reconnects without an error', async () => {
    const client = new RawHttpClient(target);
    assert.equal((await client.send({ method: 'GET', path: '/json' })).status, 201);
    server.closeIdleConnections();
    for (let i = 0; i < 400 && client.socket !== null; i++) await sleep(5);
    assert.equal(client.socket, null, 'the client noticed the close');
    assert.equal((await client.send({ method: 'GET', path: '/json' })).status, 201);
    assert.equal(client.connects, 2);
    client.close();
  });

  test('runFor: closed loop, errors counted with the first one reported, every request sent once', async () => {
    const inner = http.createServer((req, res) => {
      const parts = [];
      req.on('data', (d) => parts.push(d));
      req.on('end', () => {
        const { i } = JSON.parse(Buffer.concat(parts).toString('utf8'));
        got.push(i);
        if (i % 5 === 4) json(res, 500, '{"type":"InternalError","message":"every fifth"}');
        else json(res, 201, '{"ok":true}');
      });
    });
    const got = [];
    const t = await listen(inner);
    const r = await runFor({
      name: 'test',
      target: t,
      concurrency: 4,
      seconds: 0.3,
      warmupSeconds: 0,
      make: (i) => ({ method: 'POST', path: '/', body: { i } }),
    });
    inner.closeAllConnections();
    await closeServer(inner);
    const failed = got.filter((i) => i % 5 === 4).length;
    assert.ok(r.requests > 0 && failed > 0);
    assert.equal(r.requests, got.length - failed, 'requests = the 201 answers');
    assert.equal(r.errors, failed);
    assert.match(r.firstError ?? '', /^HTTP 500: \{"type":"InternalError"/);
    assert.deepEqual(
      [...got].sort((a, b) => a - b),
      got.map((_, k) => k),
      'each i sent exactly once',
    );
    assert.ok(r.p50 > 0 && r.p99 >= r.p50 && r.max >= r.p99);
  });

  test('runLoad: a check reading 2xx bodies, warm-up not measured', async () => {
    const r = await runLoad({
      name: 'test',
      target,
      concurrency: 3,
      requests: 30,
      warmup: 5,
      make: (i) => ({ method: 'POST', path: '/json', body: { i } }),
      check: (res) => {
        if (JSON.parse(res.body)._id !== '~1') throw new Error(`unexpected ${res.body}`);
      },
    });
    assert.equal(r.requests, 30);
    assert.equal(r.errors, 0);
    const sent = seen
      .slice(-35)
      .map((s) => JSON.parse(s.body).i)
      .sort((a, b) => a - b);
    assert.deepEqual(sent, [-5, -4, -3, -2, -1, ...Array.from({ length: 30 }, (_, k) => k)]);
  });
});

describe('raw-http client against exact bytes (node:net)', () => {
  /** Per connection: what to answer to each request, by the request's path. */
  const answers = {
    '/early-hints': ['HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
    '/until-close': ['HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nread until the end', 'end'],
    '/gzip': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'],
    '/garbage': ['SMTP ready\r\n\r\n'],
    '/cut': ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part', 'end'],
    '/split': [...'HTTP/1.1 202 Accepted\r\nCONTENT-LENGTH: 5\r\nConnection: Keep-Alive\r\n\r\nsplit'],
    '/ok': ['HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'],
  };
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.setNoDelay(true);
    let buf = '';
    socket.on('data', async (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const path = buf.split(' ')[1];
      buf = '';
      for (const piece of answers[path] ?? answers['/ok']) {
        if (piece === 'end') socket.end();
        else {
          socket.write(piece);
          if (path === '/split') await sleep(1);
        }
      }
    });
    socket.on('error', () => {});
  });
  let target;
  before(async () => {
    target = await listen(server);
  });
  after(async () => {
    await closeServer(server);
  });

  test('an informational 103 and the final answer in one write', async () => {
    const client = new RawHttpClient(target);
    const res = await client.send({ method: 'GET', path: '/early-hints' });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'ok');
    assert.equal((await client.send({ method: 'GET', path: '/ok' })).body, 'ok');
    assert.equal(client.connects, 1);
    client.close();
  });

  test('a head and body written one byte at a time, header names in any case', async () => {
    const client = new RawHttpClient(target);
    const res = await client.send({ method: 'GET', path: '/split' });
    assert.equal(res.status, 202);
    assert.equal(res.framing, 'content-length');
    assert.equal(res.body, 'split');
    assert.equal((await client.send({ method: 'GET', path: '/ok' })).body, 'ok', 'keep-alive kept');
    assert.equal(client.connects, 1);
    client.close();
  });

  test('no content-length: the body runs until the server closes, then a new connection', async () => {
    const client = new RawHttpClient(target);
    const res = await client.send({ method: 'GET', path: '/until-close' });
    assert.equal(res.status, 200);
    assert.equal(res.framing, 'until-close');
    assert.equal(res.body, 'read until the end');
    assert.equal((await client.send({ method: 'GET', path: '/ok' })).body, 'ok');
    assert.equal(client.connects, 2);
    client.close();
  });

  test('fails loudly on an unsupported transfer-encoding, garbage and a cut body, then recovers', async () => {
    const client = new RawHttpClient(target);
    await assert.rejects(client.send({ method: 'GET', path: '/gzip' }), /unsupported transfer-encoding "gzip, chunked"/);
    await assert.rejects(client.send({ method: 'GET', path: '/garbage' }), /bad status line: "SMTP ready/);
    await assert.rejects(client.send({ method: 'GET', path: '/cut' }), /closed by the server in the middle of a response/);
    const before = connections;
    const res = await client.send({ method: 'GET', path: '/ok' });
    assert.equal(res.body, 'ok');
    assert.equal(connections, before + 1, 'a fresh connection after the failure');
    assert.equal(client.connects, 4);
    client.close();
  });

  test('a refused connection rejects; bad request lines and headers are refused before sending', async () => {
    const closed = net.createServer();
    const t = await listen(closed);
    await closeServer(closed);
    await assert.rejects(new RawHttpClient(t).send({ method: 'GET', path: '/' }), /ECONNREFUSED/);
    const client = new RawHttpClient(target);
    assert.throws(() => client.send({ method: 'GET', path: '/a b' }), /bad request line/);
    assert.throws(() => client.send({ method: 'GET', path: '/', headers: { 'x-a': 'v\r\nx-b: injected' } }), /bad header/);
    assert.throws(() => client.send({ method: 'POST', path: '/', headers: { 'content-length': '3' }, body: 'abc' }), /sets content-length itself/);
    assert.equal(client.connects, 0);
  });
});

describe('ResponseParser', () => {
  const stream = Buffer.from(
    [
      'HTTP/1.1 201 Created\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: 10\r\nconnection: keep-alive\r\n\r\n{"a":"é"}',
      'HTTP/1.1 100 Continue\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n',
      'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.0 500 Internal Server Error\r\nContent-Length: 3\r\n\r\nerr',
    ].join(''),
    'utf8',
  );
  const expected = [
    { status: 201, body: '{"a":"é"}', framing: 'content-length', close: false },
    { status: 200, body: 'Wikipedia', framing: 'chunked', close: false },
    { status: 204, body: '', framing: 'none', close: false },
    { status: 404, body: '', framing: 'content-length', close: false },
    { status: 500, body: 'err', framing: 'content-length', close: true },
  ];
  const parse = (pieces) => {
    const out = [];
    const p = new ResponseParser(
      (status, chunks, framing, close) => out.push({ status, body: Buffer.concat(chunks ?? []).toString('utf8'), framing, close }),
      () => true,
    );
    for (const piece of pieces) p.push(piece);
    assert.ok(p.idle);
    return out;
  };

  test('several responses in one chunk', () => {
    assert.deepEqual(parse([stream]), expected);
  });

  test('every split into two chunks, and one byte at a time', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      assert.deepEqual(parse([stream.subarray(0, cut), stream.subarray(cut)]), expected, `split at ${cut}`);
    }
    assert.deepEqual(parse(Array.from(stream, (b) => Buffer.from([b]))), expected);
  });

  test('keepBody false: statuses without bodies; malformed framing throws', () => {
    const statuses = [];
    const p = new ResponseParser(
      (status, chunks) => statuses.push([status, chunks]),
      () => false,
    );
    p.push(stream);
    assert.deepEqual(statuses, [
      [201, null],
      [200, null],
      [204, null],
      [404, null],
      [500, null],
    ]);
    const bad = (text, re) =>
      assert.throws(
        () =>
          new ResponseParser(
            () => {},
            () => true,
          ).push(Buffer.from(text)),
        re,
      );
    bad('HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n', /bad content-length/);
    bad('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', /conflicting content-length/);
    bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /bad chunk size/);
    bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n', /chunk not followed by CRLF/);
    bad('HTTP/1.1 2x0 OK\r\n\r\n', /bad status code/);
    bad('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /bad header line/);
    bad('HTTP/1.1 101 Switching Protocols\r\n\r\n', /101 Switching Protocols is not supported/);
  });
});
