/** Signing in to a test server as a browser would: the form, its cookie, and the session cookie it gets back. */
/** A browser's cookies for one server, sent with each request and updated from each answer. */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  set(name: string, value: string): void {
    this.#cookies.set(name, value);
  }

  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}

/** A request with the jar's cookies; the answer's cookies go into the jar. Redirects are not followed. */
export async function browse(url: string, jar: CookieJar, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (jar.header() !== '') headers.set('Cookie', jar.header());
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.take(res);
  return res;
}

/** Loads /login and posts the form as a user would; returns the answer (303 on success). */
export async function signIn(base: string, jar: CookieJar, user: string, password: string, next = '/'): Promise<Response> {
  const form = await (await browse(`${base}/login`, jar)).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
  return browse(`${base}/login`, jar, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, user, password, next }).toString() });
}

/** The session's CSRF token, as the page reads it. */
export async function csrfToken(base: string, jar: CookieJar): Promise<string> {
  return ((await (await browse(`${base}/api/me`, jar)).json()) as { csrf: string }).csrf;
}
