import { describe, expect, it } from 'vitest';
import { AppError, NotFoundError, ValidationError, errorRegistry, fromCode, statusOf, toEnvelope, toPublicError } from './index';

describe('error registry', () => {
  it('gives every code a client-facing status and message', () => {
    for (const [code, entry] of Object.entries(errorRegistry)) {
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.status, code).toBeLessThan(600);
      expect(entry.message.length, code).toBeGreaterThan(0);
    }
  });

  it('maps the documented codes to their statuses', () => {
    expect(statusOf('VALIDATION_ERROR')).toBe(400);
    expect(statusOf('AUTH_FAILED')).toBe(401);
    expect(statusOf('PERMISSION_DENIED')).toBe(403);
    expect(statusOf('RESOURCE_NOT_FOUND')).toBe(404);
    expect(statusOf('DUPLICATE_RESOURCE')).toBe(409);
    expect(statusOf('RATE_LIMIT_EXCEEDED')).toBe(429);
    expect(statusOf('NOT_A_CODE')).toBe(500);
  });

  it('builds the documented envelope and keeps details', () => {
    const error = new ValidationError('email is invalid', { details: { field: 'email', reason: 'Invalid email format' } });
    expect(toEnvelope(toPublicError(error), 'req_1')).toEqual({
      error: {
        code: 'VALIDATION_ERROR',
        message: 'email is invalid',
        details: { field: 'email', reason: 'Invalid email format' },
        request_id: 'req_1',
      },
    });
  });

  it('hides the message of an unknown failure', () => {
    const pub = toPublicError(new Error('password=hunter2 at db.ts:42'));
    expect(pub).toEqual({ code: 'INTERNAL_ERROR', status: 500, message: 'Internal server error', details: null });
  });

  it('rebuilds an error that crossed a boundary', () => {
    const rebuilt = fromCode('RESOURCE_NOT_FOUND', 'schema 1 not found');
    expect(rebuilt).toBeInstanceOf(AppError);
    expect(rebuilt.status).toBe(404);
    expect(rebuilt.message).toBe('schema 1 not found');
    expect(fromCode('SOMETHING_ELSE', 'x').code).toBe('INTERNAL_ERROR');
    expect(new NotFoundError('x').name).toBe('NotFoundError');
  });
});
