// Requests from the page to newsriver: every unsafe one carries the CSRF token that the
// server put in <meta name="csrf-token">, and errors become exceptions with the server's
// message, so callers can show it.

const token = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export class RequestError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function send(url, init) {
  const headers = new Headers(init.headers ?? {});
  headers.set("X-CSRF-Token", token());
  headers.set("Accept", "application/json, text/html;q=0.9");
  const response = await fetch(url, { credentials: "same-origin", ...init, headers });
  if (response.status === 401) {
    window.location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
    throw new RequestError("signed out", 401);
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      if (body && body.error) message = body.error;
    } catch (e) {
      // Not JSON: keep the status line.
    }
    throw new RequestError(message, response.status);
  }
  return response;
}

/** POST `data` (an object or FormData) as a form; resolves to the Response. Small
 * bodies are sent with `keepalive`, so a change made just before leaving the page (star,
 * then a click on the sidebar) still reaches the server. */
export function postForm(url, data = {}) {
  const body = data instanceof FormData ? data : new URLSearchParams(data);
  const keepalive = !(body instanceof FormData) && body.toString().length < 32_000;
  return send(url, { method: "POST", body, keepalive });
}

/** POST `data` as JSON; resolves to the parsed JSON answer (or null when empty). */
export async function postJSON(url, data = {}) {
  const response = await send(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(data),
  });
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** GET `url`; resolves to its parsed JSON. */
export async function getJSON(url) {
  const response = await send(url, { method: "GET" });
  return response.json();
}

/** GET `url`; resolves to its text (an HTML fragment, say). */
export async function getText(url) {
  const response = await send(url, { method: "GET" });
  return response.text();
}
