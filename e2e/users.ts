// The e2e console's users (created by e2e/seed.ts): each role, and an auditor scoped to an account
// that holds none of the corpus' events (all of them are 111122223333's), so anything it is shown
// is a leak. Kept free of imports: playwright.config.ts reads it.
export const E2E_PASSWORD = "e2e-password-123";
export const E2E_USERS = {
  admin: { email: "admin@e2e.test", role: "admin", accounts: null },
  analyst: { email: "analyst@e2e.test", role: "analyst", accounts: null },
  auditor: { email: "auditor@e2e.test", role: "auditor", accounts: null },
  scoped: { email: "scoped@e2e.test", role: "auditor", accounts: ["999988887777"] },
} as const;
export type E2eUser = keyof typeof E2E_USERS;
/** Where each user's signed-in browser state is kept for the test projects (e2e/auth.setup.ts). */
export const storageStateOf = (who: E2eUser) => `test-results/e2e-auth/${who}.json`;
/** The secret both e2e servers sign sessions with (they share one database). */
export const E2E_SECRET = "e2e-secret-0123456789abcdef0123456789abcdef";
