import { hash, verify } from '@node-rs/argon2';
import { normalizePassword } from './usernames';

export interface Argon2Cost {
  memoryKib: number;
  iterations: number;
  parallelism: number;
}

/** `Algorithm.Argon2id` (a `const enum`, which isolated modules cannot import). */
const argon2id = 2;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(passwordHash: string, password: string): Promise<boolean>;
  /**
   * Spends the same time as a real verification against nothing: unknown usernames cost what
   * wrong passwords cost, so response times do not reveal which accounts exist.
   */
  verifyNothing(password: string): Promise<false>;
}

/** Argon2id (OWASP: 19 MiB, 2 iterations, 1 lane); the parameters travel inside each PHC hash. */
export async function createPasswordHasher(cost: Argon2Cost): Promise<PasswordHasher> {
  const options = { algorithm: argon2id, memoryCost: cost.memoryKib, timeCost: cost.iterations, parallelism: cost.parallelism } as const;
  const decoy = await hash('decoy password, never matches', options);
  return {
    hash: (password) => hash(normalizePassword(password), options),
    verify: async (passwordHash, password) => {
      try {
        return await verify(passwordHash, normalizePassword(password));
      } catch {
        return false;
      }
    },
    verifyNothing: async (password) => {
      await verify(decoy, normalizePassword(password)).catch(() => false);
      return false;
    },
  };
}
