import type { Request, Response } from 'express';

export interface AdminLink {
  href: string;
  label: string;
  description: string;
}

/** Admin tools, listed on /admin; features add theirs as they land. */
export const ADMIN_LINKS: AdminLink[] = [
  { href: '/admin/vouchers', label: 'Vouchers', description: 'Create batches of single-use credit codes and download unused ones.' },
];

export function adminRoutes() {
  return {
    show(_req: Request, res: Response) {
      res.render('pages/admin', { title: 'Admin', links: ADMIN_LINKS });
    },
  };
}
