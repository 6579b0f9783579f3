/**
 * The key a username is stored and looked up under: NFKC folds compatibility forms (full-width
 * `Ａｄａ`, ligatures, superscripts) into their plain letters, and upper-then-lower casing
 * approximates Unicode full case folding (`ß` → `ss`, final `ς` → `σ`), so look-alikes that
 * differ only in form or case are the same account.
 */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

/** Letters, marks, digits, `.`, `_`, `-`; 3 to 64 characters after normalisation. */
export const usernamePattern = /^[\p{L}\p{M}\p{N}._-]{3,64}$/u;

/**
 * Passwords are NFKC-normalised before hashing (NIST SP 800-63B 5.1.1.2), so the same password
 * typed on two keyboards that produce different code points for it still matches.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}
