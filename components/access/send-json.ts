// Calls the console's own JSON APIs from the browser. Same origin, so the session cookie rides
// along and the browser sends the Origin header the guard checks on state-changing requests.
// Errors come back as the routes write them ({ error }), ready to show next to the control.
export type JsonResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: string };

export async function sendJson<T = unknown>(method: "GET" | "POST" | "PATCH" | "DELETE", url: string, body?: unknown): Promise<JsonResult<T>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    return { ok: false, status: 0, error: "the console could not be reached; check the connection and try again" };
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  if (res.ok) return { ok: true, status: res.status, data: data as T };
  const error = data && typeof data === "object" && typeof (data as { error?: unknown }).error === "string" ? (data as { error: string }).error : `request failed (HTTP ${res.status})`;
  return { ok: false, status: res.status, error };
}
