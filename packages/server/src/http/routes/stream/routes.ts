/**
 * The live event stream. Authentication is required (the SB-SEC-ADV-2022-002 class), and
 * each listener only receives audit events of entities visible to its organisation.
 * - `GET /api/v1/stream/events`: Server-Sent Events.
 * - `POST /api/stream` then `GET /api/stream/:id`: TheHive's long-poll protocol.
 */
import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Services } from '../../../services/index.js';
import type { Actor } from '../../../services/actor.js';
import type { Doc } from '../../../storage/entity-store.js';
import { actorOf } from '../../app.js';
import { canSee } from '../../../services/policy.js';
import { NotFoundError } from '../../../errors/errors.js';

export function renderAudit(a: Doc): Record<string, unknown> {
  return {
    _id: a._id,
    _type: 'Audit',
    _createdAt: a._createdAt,
    _createdBy: a._createdBy,
    operation: a.operation,
    requestId: a.requestId,
    objectId: a.objectId,
    objectType: a.objectType,
    rootId: a.rootId,
    startDate: a._createdAt,
    details: a.details ?? {},
    base: true,
  };
}

interface Poller {
  actor: Actor;
  queue: Doc[];
  waiter?: () => void;
  unsubscribe: () => void;
  lastSeen: number;
}

export function streamRoutes(app: FastifyInstance, s: Services): void {
  // Open event streams end when the server closes, so that a stopping node does not wait for its
  // clients to leave (they reconnect to a live node and refetch what they missed).
  const openStreams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of openStreams) res.end();
    openStreams.clear();
  });

  app.get('/api/v1/stream/events', async (req, reply) => {
    const actor = actorOf(req);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write(': connected\n\n');
    openStreams.add(res);
    const unsubscribe = s.bus.subscribe(
      (audit) => {
        if (!canSee(actor, audit)) return;
        res.write(`event: audit\ndata: ${JSON.stringify(renderAudit(audit))}\n\n`);
      },
      { scope: 'cluster' },
    );
    const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
    req.raw.on('close', () => {
      openStreams.delete(res);
      clearInterval(ping);
      unsubscribe();
    });
  });

  const pollers = new Map<string, Poller>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, p] of pollers) {
      if (now - p.lastSeen > 5 * 60_000) {
        p.unsubscribe();
        pollers.delete(id);
      }
    }
  }, 60_000);
  sweep.unref();
  app.addHook('preClose', async () => {
    // long polls waiting for events answer at once (with what they have) instead of holding the close
    for (const p of pollers.values()) p.waiter?.();
  });
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    for (const p of pollers.values()) p.unsubscribe();
  });

  app.post('/api/stream', async (req, reply) => {
    const actor = actorOf(req);
    const id = randomBytes(16).toString('hex');
    const poller: Poller = { actor, queue: [], lastSeen: Date.now(), unsubscribe: () => undefined };
    poller.unsubscribe = s.bus.subscribe(
      (audit) => {
        if (!canSee(actor, audit)) return;
        if (poller.queue.length < 10_000) poller.queue.push(audit);
        poller.waiter?.();
      },
      { scope: 'cluster' },
    );
    pollers.set(id, poller);
    return reply.type('text/plain').send(id);
  });

  app.get<{ Params: { id: string } }>('/api/stream/:id', async (req) => {
    const actor = actorOf(req);
    const p = pollers.get(req.params.id);
    if (!p || p.actor.userId !== actor.userId) throw new NotFoundError('Stream not found');
    p.lastSeen = Date.now();
    if (p.queue.length === 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 20_000);
        p.waiter = () => {
          clearTimeout(t);
          resolve();
        };
        req.raw.on('close', () => {
          clearTimeout(t);
          resolve();
        });
      });
      p.waiter = undefined;
    }
    const batch = p.queue.splice(0, p.queue.length);
    return batch.map(renderAudit);
  });
}
