/**
 * The one place where errors become responses: a storage engine's passing failure, as the adapter
 * in use classifies it, is a 503 ServiceUnavailable with the adapter's message; anything else
 * unknown stays a generic 500 that leaks nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError, registerUnavailableClassifier } from '../errors/errors.js';
import { toErrorBody } from './error-handler.js';

class EngineTimeout extends Error {}

test('an engine failure the adapter classifies is a 503 with its message; other errors keep their answer', () => {
  const unregister = registerUnavailableClassifier((e) => (e instanceof EngineTimeout ? 'Storage unavailable: timed out; retry shortly' : undefined));
  try {
    assert.deepEqual(toErrorBody(new EngineTimeout('driver detail')), {
      status: 503,
      body: { type: 'ServiceUnavailable', message: 'Storage unavailable: timed out; retry shortly' },
    });
    assert.deepEqual(toErrorBody(new Error('secret internals')), {
      status: 500,
      body: { type: 'InternalError', message: 'Internal error; see the server log' },
    });
    assert.equal(toErrorBody(new NotFoundError('case ~1 not found')).status, 404);
  } finally {
    unregister();
  }
  // without the classifier (the embedded store registers none), the same error is a 500
  assert.equal(toErrorBody(new EngineTimeout('driver detail')).status, 500);
});
