import type { Request, Response } from 'express';

export interface AdminLink {
  href: string;
  label: string;
  description: string;
}

/** Admin tools, listed on /admin; features add theirs as they land. */
export const ADMIN_LINKS: AdminLink[] = [];

export function adminRoutes() {
  return {
    show(_req: Request, res: Response) {
      res.render('pages/admin', { title: 'Admin', links: ADMIN_LINKS });
    },
  };
}
