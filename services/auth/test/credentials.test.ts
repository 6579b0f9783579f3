import { describe, expect, it } from 'vitest';
import { parseInput, registrationSchema } from '../src/domain/credentials';
import { createKeyEncryption } from '../src/domain/key-encryption';
import { createPasswordHasher } from '../src/domain/password-hashing';
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken } from '../src/domain/refresh-tokens';
import { usernameKey } from '../src/domain/usernames';

describe('usernameKey', () => {
  it('folds compatibility forms and case so look-alikes collide', () => {
    expect(usernameKey('Ada')).toBe('ada');
    expect(usernameKey('ＡＤＡ')).toBe('ada');
    expect(usernameKey('straße')).toBe(usernameKey('STRASSE'));
    expect(usernameKey('ﬁle')).toBe('file');
    expect(usernameKey('ΣΊΣΥΦΟΣ')).toBe(usernameKey('σίσυφος'));
  });
});

describe('registration rules', () => {
  it('counts password length in code points and never truncates', () => {
    expect(() => parseInput(registrationSchema, { username: 'ada', password: '🔑🔑🔑🔑🔑🔑🔑' })).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR' }));
    expect(parseInput(registrationSchema, { username: 'ada', password: '🔑'.repeat(8) }).password).toBe('🔑'.repeat(8));
    expect(parseInput(registrationSchema, { username: 'ada', password: 'x'.repeat(1024) }).password).toHaveLength(1024);
  });

  it('refuses usernames outside letters, digits, . _ - and names the field', () => {
    for (const username of ['ab', "a'b--c", 'a b c', 'x'.repeat(65), '<script>', 'a\u0000b']) {
      try {
        parseInput(registrationSchema, { username, password: 'long enough' });
        throw new Error(`accepted ${JSON.stringify(username)}`);
      } catch (error) {
        expect(error).toMatchObject({ code: 'VALIDATION_ERROR', details: { issues: [{ path: '/username' }] } });
      }
    }
    expect(parseInput(registrationSchema, { username: 'Łukasz.ß_9-x', password: 'long enough' }).username).toBe('Łukasz.ß_9-x');
  });
});

describe('password hashing', () => {
  it('uses argon2id, verifies NFKC-equivalent input, and refuses garbage hashes', async () => {
    const hasher = await createPasswordHasher({ memoryKib: 4096, iterations: 2, parallelism: 1 });
    const stored = await hasher.hash('ﬁle-password');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=4096,t=2,p=1\$/);
    expect(await hasher.verify(stored, 'file-password')).toBe(true);
    expect(await hasher.verify(stored, 'file-passwor')).toBe(false);
    expect(await hasher.verify('not a hash', 'x')).toBe(false);
    expect(await hasher.verifyNothing('anything')).toBe(false);
  });
});

describe('key encryption', () => {
  it('round-trips, binds the kid and detects tampering', () => {
    const encryption = createKeyEncryption(Buffer.alloc(32, 3).toString('base64'));
    const sealed = encryption.encrypt('-----BEGIN PRIVATE KEY-----', 'kid-1');
    expect(sealed).not.toContain('PRIVATE');
    expect(encryption.decrypt(sealed, 'kid-1')).toBe('-----BEGIN PRIVATE KEY-----');
    expect(() => encryption.decrypt(sealed, 'kid-2')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => encryption.decrypt(parts.join('.'), 'kid-1')).toThrow();
    expect(() => createKeyEncryption(Buffer.alloc(16).toString('base64'))).toThrow();
  });
});

describe('refresh tokens', () => {
  it('are 256-bit opaque values stored as hashes', () => {
    const token = newRefreshToken();
    expect(looksLikeRefreshToken(token)).toBe(true);
    expect(looksLikeRefreshToken(`${token}.x`)).toBe(false);
    expect(hashRefreshToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(newRefreshToken()).not.toBe(token);
  });
});
