// Where to go after signing in: only a path of this console (never another site: an open redirect
// would make our sign-in page a phishing tool).
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/events";
  return next;
}
