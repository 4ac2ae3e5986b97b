/**
 * Typed errors. Each carries a stable `type` (TheHive's names, which clients match on)
 * and an HTTP status. They are mapped to `{type, message}` in exactly one place:
 * `http/error-handler.ts`. Anything else thrown becomes a logged, generic 500.
 */
export abstract class WaggleError extends Error {
  abstract readonly type: string;
  abstract readonly status: number;
  /** Extra fields added to the JSON body next to `type` and `message`. */
  readonly extra: Record<string, unknown>;
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.extra = extra;
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, message: this.message, ...this.extra };
  }
}

/** The request carried no valid credentials (401). */
export class AuthenticationError extends WaggleError {
  readonly type = 'AuthenticationError';
  readonly status = 401;
}
/** The caller is known but may not do this (403). */
export class AuthorizationError extends WaggleError {
  readonly type = 'AuthorizationError';
  readonly status = 403;
}
/** A second factor is needed to log in (402, as TheHive does). */
export class MultiFactorCodeRequired extends WaggleError {
  readonly type = 'MultiFactorCodeRequired';
  readonly status = 402;
}
/** The entity does not exist or is not visible to the caller (404). */
export class NotFoundError extends WaggleError {
  readonly type = 'NotFoundError';
  readonly status = 404;
}
/** The request cannot be parsed or is malformed (400). */
export class BadRequestError extends WaggleError {
  readonly type = 'BadRequest';
  readonly status = 400;
}
/** An entity could not be created, for instance a duplicate (400). */
export class CreateError extends WaggleError {
  readonly type = 'CreateError';
  readonly status = 400;
}
/** The Query API could not run a query (400). */
export class SearchError extends WaggleError {
  readonly type = 'SearchError';
  readonly status = 400;
}
/** One or more attributes failed validation (400). */
export class AttributeCheckingError extends WaggleError {
  readonly type = 'AttributeCheckingError';
  readonly status = 400;
}
/** An argument has an illegal value (400). */
export class IllegalArgumentError extends WaggleError {
  readonly type = 'IllegalArgument';
  readonly status = 400;
}
/** Concurrent modification detected: the entity changed since it was read (409). */
export class ConflictError extends WaggleError {
  readonly type = 'ConflictError';
  readonly status = 409;
}
/** The body is larger than allowed (413). */
export class PayloadTooLargeError extends WaggleError {
  readonly type = 'PayloadTooLarge';
  readonly status = 413;
}
/** Too many requests in a window (429). */
export class RateLimitExceededError extends WaggleError {
  readonly type = 'RateLimitExceeded';
  readonly status = 429;
}
/** The server is not ready to serve (503). */
export class ServiceUnavailableError extends WaggleError {
  readonly type = 'ServiceUnavailable';
  readonly status = 503;
}

/**
 * Failures of a storage engine that mean "try again later" (a Cassandra node timing out or down),
 * told apart by the adapter in use: it registers a classifier that returns a message for such an
 * error, and the HTTP error handler answers them 503 ServiceUnavailable instead of a 500. The
 * embedded store registers none.
 */
type UnavailableClassifier = (e: unknown) => string | undefined;
const unavailableClassifiers = new Set<UnavailableClassifier>();

/** Registers a classifier of engine failures (see {@link unavailableReason}); returns its removal. */
export function registerUnavailableClassifier(f: UnavailableClassifier): () => void {
  unavailableClassifiers.add(f);
  return () => unavailableClassifiers.delete(f);
}

/** The message of an engine failure worth a 503, or undefined. */
export function unavailableReason(e: unknown): string | undefined {
  for (const f of unavailableClassifiers) {
    const why = f(e);
    if (why) return why;
  }
  return undefined;
}

/** Every error type the API can answer with, for docs and the docs test. */
export const ERROR_TYPES = [
  'AuthenticationError',
  'AuthorizationError',
  'MultiFactorCodeRequired',
  'NotFoundError',
  'BadRequest',
  'CreateError',
  'SearchError',
  'AttributeCheckingError',
  'IllegalArgument',
  'ConflictError',
  'PayloadTooLarge',
  'RateLimitExceeded',
  'ServiceUnavailable',
  'MultiError',
  'InternalError',
] as const;
