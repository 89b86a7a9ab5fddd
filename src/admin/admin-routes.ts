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

export const JOBS_LINK: AdminLink = {
  href: '/admin/jobs/',
  label: 'Scheduled jobs',
  description: 'Agendash: hangups at credit deadlines, call reconciliation, monthly free-minute resets.',
};

export function adminRoutes(links: AdminLink[] = ADMIN_LINKS) {
  return {
    show(_req: Request, res: Response) {
      res.render('pages/admin', { title: 'Admin', links });
    },
  };
}
