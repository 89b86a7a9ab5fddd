import type { Request, Response } from 'express';

/** The welcome page for visitors; signed-in users get the dial page at / (src/dial/dial-routes.ts). */
export function homeRoutes() {
  return {
    show(_req: Request, res: Response) {
      res.render('pages/welcome', { title: 'Call any phone from your own handset' });
    },
  };
}
