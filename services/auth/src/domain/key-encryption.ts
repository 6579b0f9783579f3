import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for private signing keys at rest: `v1.<iv>.<tag>.<ciphertext>` in base64url. The
 * key id (`kid`) is bound as associated data, so a ciphertext moved to another row fails to open.
 */
export interface KeyEncryption {
  encrypt(plaintext: string, kid: string): string;
  decrypt(ciphertext: string, kid: string): string;
}

export function createKeyEncryption(base64Key: string): KeyEncryption {
  const key = Buffer.from(base64Key, 'base64');
  if (key.length !== 32) throw new Error('the signing-key encryption key must be 32 bytes');
  return {
    encrypt(plaintext, kid) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(kid));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), body].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
    },
    decrypt(ciphertext, kid) {
      const [version, iv, tag, body] = ciphertext.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error(`signing key ${kid}: unknown ciphertext format`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(kid));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
