/**
 * Test support: a TCP relay to OpenSearch. A store or node given the relay's address sees a real
 * OpenSearch outage when `down()` closes it (connections refused), while the shared OpenSearch
 * keeps serving the other suites; `up()` opens it again on the same port.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP relay to OpenSearch on a fixed local port: `down()` closes it (connections refused), `up()` opens it again. */
export class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: URL) {}
  async up(): Promise<void> {
    const srv = createServer((client) => {
      const upstream = connect(Number(this.target.port || 80), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => srv.listen(this.port, '127.0.0.1', r));
    this.port = (srv.address() as AddressInfo).port;
    this.server = srv;
  }
  async down(): Promise<void> {
    const srv = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
  }
}
