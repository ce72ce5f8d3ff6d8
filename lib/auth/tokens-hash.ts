// Secrets handed out as links (share links, the setup link) are kept only as their SHA-256: a copy
// of the database does not open them. They are 24+ random bytes, so no salt or stretching is needed.
import { createHash } from "node:crypto";

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
