// Cookie names, in a module of their own so proxy.ts can read them without loading Better Auth.
/** A share link's token, set by /s/<token> (HttpOnly, SameSite=Lax). */
export const SHARE_COOKIE = "trailscope_share";
/** Better Auth's cookie prefix (lib/auth/auth.ts). */
export const SESSION_COOKIE_PREFIX = "trailscope";
/** Better Auth's session cookie (cookiePrefix "trailscope"; "__Secure-" in front over https). */
export const SESSION_COOKIE = new RegExp(`^(?:__Secure-)?${SESSION_COOKIE_PREFIX}\\.session_token$`);
