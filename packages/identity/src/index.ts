// Filled in by the auth issue: token verification, `Identity`, `requireIdentity`, `requireRole`.
export {};
