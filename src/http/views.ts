import { Eta } from 'eta';
import type { Express } from 'express';
import { relative } from 'node:path';
import { viewsDir } from '../paths.js';

/**
 * Eta renders paths relative to views/ so its template cache keys stay stable; Express hands us absolute
 * paths, which we turn back into relative ones.
 */
export function installViews(app: Express, options: { cache: boolean; helpers: Record<string, unknown> }): Eta {
  const eta = new Eta({ views: viewsDir, cache: options.cache, autoEscape: true, autoTrim: false });
  app.engine('eta', (filePath: string, data: object, callback: (e: unknown, html?: string) => void) => {
    try {
      const name = relative(viewsDir, filePath).replace(/\.eta$/, '');
      callback(null, eta.render(name, { ...options.helpers, ...(data as Record<string, unknown>) }));
    } catch (err) {
      callback(err);
    }
  });
  app.set('view engine', 'eta');
  app.set('views', viewsDir);
  return eta;
}
