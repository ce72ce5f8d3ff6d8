// Signs each e2e user in through Better Auth's endpoint, as the sign-in page does, and keeps the
// browser state for the tests (playwright.config.ts "console" project).
import { expect, test as setup } from "@playwright/test";
import { E2E_PASSWORD, E2E_USERS, storageStateOf, type E2eUser } from "./users";

for (const who of Object.keys(E2E_USERS) as E2eUser[]) {
  setup(`sign in as ${who}`, async ({ request, baseURL }) => {
    const res = await request.post("/api/auth/sign-in/email", {
      data: { email: E2E_USERS[who].email, password: E2E_PASSWORD },
      headers: { origin: baseURL! },
    });
    expect(res.status(), await res.text()).toBe(200);
    await request.storageState({ path: storageStateOf(who) });
  });
}
