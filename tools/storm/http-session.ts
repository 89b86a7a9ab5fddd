/** A browser-like session against the instances: cookies, the CSRF token, a made-up client address. */
export class HttpSession {
  private readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(private readonly clientAddress: string) {}

  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<{ status: number; location: string | null; text: string }> {
    const headers: Record<string, string> = { 'x-forwarded-for': this.clientAddress, ...init.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const text = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text) ?? /"X-CSRF-Token":\s*"([^"]+)"/.exec(text);
    if (token) this.csrf = token[1]!;
    return { status: res.status, location: res.headers.get('location'), text };
  }

  /** Logs in through the real form; throws with the page's status when it does not work. */
  async logIn(base: string, email: string, password: string): Promise<void> {
    await this.request(`${base}/login`);
    const res = await this.request(`${base}/login`, { method: 'POST', form: { _csrf: this.csrf, email, password } });
    if (res.status !== 303) throw new Error(`log-in of ${email} failed: HTTP ${res.status}`);
    // A new session at log-in has a new CSRF token: read it from a page.
    await this.request(`${base}/account`);
  }
}
