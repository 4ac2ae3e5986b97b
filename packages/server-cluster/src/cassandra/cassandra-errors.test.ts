/**
 * Which Cassandra driver errors mean "the cluster cannot serve this now" (the API answers them
 * 503, see `registerUnavailableClassifier`): built from the driver's own error classes, no engine
 * needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { cassandraUnavailable, isUnknownWriteOutcome } from './cassandra-errors.js';

test('nodes down, timeouts and overload are unavailability; syntax, conflicts and bugs are not', () => {
  const { ResponseError, NoHostAvailableError, OperationTimedOutError } = cassandra.errors;
  assert.match(cassandraUnavailable(new NoHostAvailableError({}))!, /no Cassandra node answered/);
  assert.match(cassandraUnavailable(new OperationTimedOutError('timeout', '127.0.0.3:9042'))!, /did not answer in time/);
  assert.match(cassandraUnavailable(new ResponseError(0x1000, 'Cannot achieve consistency level LOCAL_QUORUM'))!, /not enough Cassandra replicas/);
  assert.match(cassandraUnavailable(new ResponseError(0x1100, 'Operation timed out - received only 1 responses'))!, /may or may not have been applied/);
  assert.match(cassandraUnavailable(new ResponseError(0x1200, 'read timeout'))!, /timed out on a read/);
  // what the driver rejects in-flight requests with when a node's connection closes (a kill -9 of
  // a Cassandra node in the fault suite: it answered 500 before)
  // (abstract in the driver's typings, not in its code, which makes it just so)
  const DriverError = cassandra.errors.DriverError as unknown as new (message: string) => Error;
  const closed = Object.assign(new DriverError('Socket was closed'), { isSocketError: true });
  assert.match(cassandraUnavailable(closed)!, /connection to a Cassandra node closed.*may or may not have been applied/);
  assert.equal(isUnknownWriteOutcome(closed), true);
  assert.equal(cassandraUnavailable(new DriverError('some other driver failure')), undefined);
  // a syntax error, an invalid query, an unauthorised role or a plain bug stay errors of their own
  assert.equal(cassandraUnavailable(new ResponseError(0x2000, 'line 1:0 no viable alternative')), undefined);
  assert.equal(cassandraUnavailable(new ResponseError(0x2200, 'Undefined column name')), undefined);
  assert.equal(cassandraUnavailable(new ResponseError(0x2100, 'User has no SELECT permission')), undefined);
  assert.equal(cassandraUnavailable(new TypeError('x is undefined')), undefined);
});
