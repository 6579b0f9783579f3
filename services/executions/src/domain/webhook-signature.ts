import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a webhook caller signs with: `sha256=<hex HMAC-SHA256 of the raw body with the schema's secret>`. */
export const signatureHeader = 'x-webhook-signature';

export function signWebhookBody(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

/**
 * Checks a signature in constant time (for equal lengths; a length mismatch is already a
 * mismatch and reveals nothing about the secret). Accepts the bare hex digest too.
 */
export function isValidWebhookSignature(secret: string, rawBody: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWebhookBody(secret, rawBody), 'utf8');
  const given = Buffer.from(header.trim().startsWith('sha256=') ? header.trim() : `sha256=${header.trim()}`, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
