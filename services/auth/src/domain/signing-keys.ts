import type { PublicJwk } from '@conveyor/contracts';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type CryptoKey } from 'jose';
import type { AuthDb } from '../db/database';
import { installSigningKey, selectSigningKey, selectVerifyingKeys, type SigningKeyRow } from '../db/signing-key-rows';
import type { KeyEncryption } from './key-encryption';

export interface Signer {
  kid: string;
  privateKey: CryptoKey;
}

export interface SigningKeys {
  /** The key to sign with now; rotates it first when it is older than the rotation period. */
  signer(): Promise<Signer>;
  /** Every key that verifies tokens still alive (JWKS). */
  publicKeys(): Promise<PublicJwk[]>;
  /** Installs a new signing key now (the previous one keeps verifying). */
  rotate(): Promise<string>;
}

/**
 * Signing keys stored in PostgreSQL, private halves encrypted. Every replica signs with the
 * newest key; a replica re-reads it at most every `recheckMs`, so after a rotation by another
 * replica it switches within that time. A new key is committed (and so already in the JWKS any
 * replica serves) before any token signed with it exists.
 */
export function createSigningKeys(deps: {
  db: AuthDb;
  encryption: KeyEncryption;
  rotationSeconds: number;
  /** How long a retired key keeps verifying: the access-token lifetime plus clock skew. */
  graceSeconds: number;
  recheckMs?: number;
}): SigningKeys {
  const recheckMs = deps.recheckMs ?? 60_000;
  let cached: { signer: Signer; loadedAt: number } | null = null;

  const isDue = (row: SigningKeyRow | undefined) => !row || Date.now() - row.createdAt.getTime() >= deps.rotationSeconds * 1000;

  async function createKey() {
    const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const jwk = await exportJWK(pair.publicKey);
    const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x! });
    return {
      kid,
      publicJwk: { kty: 'OKP' as const, crv: 'Ed25519' as const, x: jwk.x! },
      privateKeyCiphertext: deps.encryption.encrypt(await exportPKCS8(pair.privateKey), kid),
    };
  }

  async function toSigner(row: SigningKeyRow): Promise<Signer> {
    return { kid: row.kid, privateKey: (await importPKCS8(deps.encryption.decrypt(row.privateKeyCiphertext, row.kid), 'EdDSA')) as CryptoKey };
  }

  async function load(force: boolean): Promise<Signer> {
    let row = await selectSigningKey(deps.db);
    if (force || isDue(row)) {
      row = await installSigningKey(deps.db, { due: force ? (current) => current?.kid === row?.kid : isDue, create: createKey, graceSeconds: deps.graceSeconds });
    }
    const signer = cached?.signer.kid === row!.kid ? cached.signer : await toSigner(row!);
    cached = { signer, loadedAt: Date.now() };
    return signer;
  }

  return {
    async signer() {
      if (cached && Date.now() - cached.loadedAt < recheckMs && Date.now() - cached.loadedAt >= 0) return cached.signer;
      return load(false);
    },
    async publicKeys() {
      const rows = await selectVerifyingKeys(deps.db, deps.graceSeconds);
      return rows.map((row) => ({ ...row.publicJwk, kid: row.kid, alg: 'EdDSA' as const, use: 'sig' as const }));
    },
    async rotate() {
      return (await load(true)).kid;
    },
  };
}
