import { describe, expect, it } from 'vitest';
import { isValidWebhookSignature, signWebhookBody } from './webhook-signature';

describe('webhook signature', () => {
  const body = '{"order":42}';

  it('accepts the HMAC-SHA256 of the raw body, with or without the sha256= prefix', () => {
    const signature = signWebhookBody('s3cret', body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(isValidWebhookSignature('s3cret', body, signature)).toBe(true);
    expect(isValidWebhookSignature('s3cret', body, signature.slice('sha256='.length))).toBe(true);
  });

  it('refuses a missing, truncated, foreign or body-mismatched signature', () => {
    const signature = signWebhookBody('s3cret', body);
    expect(isValidWebhookSignature('s3cret', body, undefined)).toBe(false);
    expect(isValidWebhookSignature('s3cret', body, signature.slice(0, -1))).toBe(false);
    expect(isValidWebhookSignature('other', body, signature)).toBe(false);
    expect(isValidWebhookSignature('s3cret', '{"order":43}', signature)).toBe(false);
  });
});
