/**
 * S3 errors turned into messages an operator can act on (wrong keys, missing bucket,
 * unreachable endpoint) instead of an SDK stack trace.
 */

/** The S3 store cannot start: bad endpoint, credentials or bucket. The message says what to fix. */
export class S3SetupError extends Error {
  override readonly name = 'S3SetupError';
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Whether the error is S3's "no such key / no such bucket" answer. */
export function isNotFound(e: unknown): boolean {
  const err = e as SdkError;
  return err?.name === 'NotFound' || err?.name === 'NoSuchKey' || err?.name === 'NoSuchBucket' || err?.$metadata?.httpStatusCode === 404;
}

/** A one-line explanation of a failed S3 call made while setting the store up. */
export function describeS3Error(e: unknown, endpoint: string, bucket: string): string {
  const err = e as SdkError;
  const status = err?.$metadata?.httpStatusCode;
  const name = err?.name ?? err?.code ?? '';
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidToken'].includes(name) || status === 403) {
    return `S3 at ${endpoint} refused the credentials for bucket "${bucket}" (${name || `HTTP ${status}`}): check s3.accessKeyId and s3.secretAccessKey, and that this key may use the bucket`;
  }
  if (status === 301 || name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed') {
    return `S3 at ${endpoint} expects another region for bucket "${bucket}" (${name || `HTTP ${status}`}): check s3.region`;
  }
  const code = err?.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'ECONNRESET' || status === undefined) {
    return `S3 endpoint ${endpoint} cannot be reached (${code ?? name ?? 'no answer'}): check s3.endpoint and that the server runs`;
  }
  return `S3 at ${endpoint} answered ${name || 'an error'} (HTTP ${status}) for bucket "${bucket}": ${err?.message ?? ''}`;
}
