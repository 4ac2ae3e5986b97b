/** Web UI sessions: login sets an HttpOnly session cookie plus a readable CSRF cookie. */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { CSRF_COOKIE, SESSION_COOKIE } from '../../auth.js';
import { actorOf } from '../../app.js';

const LoginBody = Type.Object({ user: Type.String({ maxLength: 256 }), password: Type.String({ maxLength: 1024 }), code: Type.Optional(Type.String()) });

export function sessionRoutes(app: FastifyInstance, s: Services): void {
  const secure = s.config.security.secureCookies ? '; Secure' : '';
  const login = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    const body = req.body as Static<typeof LoginBody>;
    const user = await s.auth.verify({ kind: 'basic', login: body.user, password: body.password }, req.ip);
    const { token, session } = s.auth.newSession(user._id);
    const actor = await s.auth.actorFor(user, undefined, 'session', String(req.id));
    const maxAge = Math.floor((session.expiresAt - Date.now()) / 1000);
    void reply.header('Set-Cookie', [
      `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`,
      `${CSRF_COOKIE}=${session.csrf}; Path=/; SameSite=Strict; Max-Age=${maxAge}${secure}`,
    ]);
    return s.users.render(user, actor);
  };
  app.post('/api/v1/login', { config: { auth: false }, schema: { body: LoginBody } }, login);
  app.post('/api/login', { config: { auth: false }, schema: { body: LoginBody } }, login);
  const logout = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    void reply.header('Set-Cookie', [
      `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`,
      `${CSRF_COOKIE}=; Path=/; SameSite=Strict; Max-Age=0`,
    ]);
    return reply.status(204).send();
  };
  app.get('/api/v1/logout', { config: { auth: false } }, logout);
  app.post('/api/v1/logout', { config: { auth: false } }, logout);
  app.get('/api/v1/user/current', async (req) => {
    const actor = actorOf(req);
    return s.users.render(await s.users.get(actor, actor.userId), actor);
  });
}
