import type { NextFunction, Request, Response } from 'express';

/** One feature's banner for this request (HTML from one of its partials), or undefined when it has none to show. */
export type BannerSource = (req: Request) => Promise<string | undefined>;

/** Renders a partial to a string with the app's view engine. */
export function renderPartial(req: Request, view: string, data: object): Promise<string> {
  return new Promise((resolve, reject) => req.app.render(view, data, (err, html) => (err ? reject(err) : resolve(html))));
}

/**
 * The banners above every full page (confirm your email, verify your phone, low balance), put in res.locals.banners,
 * which the layout prints. A GET page gets them before its route runs. Any other request (a form's POST) usually
 * redirects and needs none, so nothing is read then; but when it re-shows its page with an error, the render waits
 * for the banners, so the page keeps them. htmx fragments never render the layout and get none.
 */
export function pageBanners(sources: BannerSource[]) {
  const collect = async (req: Request, res: Response): Promise<void> => {
    for (const source of sources) {
      const html = await source(req);
      if (html) res.locals.banners = `${String(res.locals.banners ?? '')}${html}`;
    }
  };
  // A log-in answered with a page runs this again for its new user (src/routes.ts): its render is wrapped once.
  const wrapped = new WeakSet<Response>();
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!req.user || req.get('hx-request') === 'true') return next();
    if (req.method === 'GET') {
      collect(req, res).then(() => next(), next);
      return;
    }
    if (wrapped.has(res)) return next();
    wrapped.add(res);
    const render = res.render.bind(res) as (view: string, options?: object, callback?: (err: Error, html: string) => void) => void;
    res.render = ((view: string, options?: object | ((err: Error, html: string) => void), callback?: (err: Error, html: string) => void) => {
      // Only a whole page shows the layout's banners; a partial rendered by a POST is left alone.
      if (!view.startsWith('pages/')) return render(view, options as object, callback);
      collect(req, res).then(
        () => render(view, options as object, callback),
        (err: unknown) => next(err),
      );
    }) as Response['render'];
    next();
  };
}
