/**
 * The one place where errors become HTTP responses `{type, message}`. Typed errors keep
 * their status; Fastify's own client errors (bad JSON, body too large, validation) become
 * 4xx; a storage engine's passing failure (as the adapter in use classifies it) is a 503;
 * anything else is logged and answered with a generic 500.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { unavailableReason, WaggleError } from '../errors/errors.js';

type FastifyValidationError = FastifyError;

/**
 * The message of a JSON syntax error without the excerpt of the text V8 quotes in it
 * (`Unexpected token 'p', "password=..." is not valid JSON`): the body may hold a password,
 * and client errors are logged.
 */
export function jsonErrorMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/,? (\.\.\.)?"[\s\S]*"(\.\.\.)? is not valid JSON$/, ' (not valid JSON)');
}

export function toErrorBody(error: unknown): { status: number; body: Record<string, unknown> } {
  if (error instanceof WaggleError) return { status: error.status, body: error.toJSON() };
  const fe = error as FastifyValidationError;
  if (fe && Array.isArray(fe.validation)) {
    const errors = fe.validation.map((v) => {
      const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
      const extra = v.params?.additionalProperty
        ? ` "${String(v.params.additionalProperty)}"`
        : v.params?.missingProperty
          ? ` "${String(v.params.missingProperty)}"`
          : '';
      return `${fe.validationContext ?? 'body'}${path ? `.${path}` : ''} ${v.message ?? 'is invalid'}${extra}`;
    });
    return { status: 400, body: { type: 'AttributeCheckingError', message: errors.join('; '), errors } };
  }
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const type =
      fe.statusCode === 413
        ? 'PayloadTooLarge'
        : fe.statusCode === 415
          ? 'BadRequest'
          : fe.statusCode === 404
            ? 'NotFoundError'
            : fe.statusCode === 429
              ? 'RateLimitExceeded'
              : 'BadRequest';
    const message = fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe instanceof SyntaxError ? `Invalid JSON: ${jsonErrorMessage(fe)}` : fe.message;
    return { status: fe.statusCode, body: { type, message } };
  }
  const unavailable = unavailableReason(error);
  if (unavailable) return { status: 503, body: { type: 'ServiceUnavailable', message: unavailable } };
  return { status: 500, body: { type: 'InternalError', message: 'Internal error; see the server log' } };
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorBody(error);
  if (status >= 500) request.log.error({ err: error }, 'unhandled error');
  else request.log.debug({ err: error, status }, 'client error');
  void reply.status(status).type('application/json').send(body);
}
