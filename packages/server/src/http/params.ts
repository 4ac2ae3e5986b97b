/** Helpers for request values sent by Python `requests` (booleans as `True`/`False`). */
import { BadRequestError } from '../errors/errors.js';

export function boolParam(v: unknown, def: boolean): boolean {
  if (v === undefined || v === null || v === '') return def;
  if (typeof v === 'boolean') return v;
  const s = String(v).toLowerCase();
  if (s === 'true' || s === '1' || s === 'yes') return true;
  if (s === 'false' || s === '0' || s === 'no') return false;
  throw new BadRequestError(`"${String(v)}" is not a boolean`);
}

/** A path parameter that must be a plain identifier: no slashes, no dots-only, bounded length. */
export function idParam(v: unknown, what = 'id'): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 256 || /[/\\\0]/.test(v)) throw new BadRequestError(`Invalid ${what}`);
  return v;
}
