import type { Request, Response } from 'express';

export interface AdminLink {
  href: string;
  label: string;
  description: string;
}

/** Admin tools, listed on /admin; features add theirs as they land. */
export const ADMIN_LINKS: AdminLink[] = [
  { href: '/admin/rates', label: 'Rates', description: 'Search, edit, add and delete rates; reprice from cost; import and export the deck.' },
  { href: '/admin/rates/geo', label: 'Geo permissions', description: 'Switch whole countries or prefix ranges on or off; see the number types always blocked.' },
  { href: '/admin/users', label: 'Users', description: 'Balances, ledgers, credit adjustments, limits, disabling accounts, admin rights.' },
  { href: '/admin/audit', label: 'Audit log', description: 'Every admin change: who, when, what, old → new.' },
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
