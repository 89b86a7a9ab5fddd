import type { Request, Response } from 'express';

export function homeRoutes() {
  return {
    show(req: Request, res: Response) {
      res.render(req.user ? 'pages/home' : 'pages/welcome', { title: req.user ? 'Home' : 'Call any phone from your own handset' });
    },
  };
}
