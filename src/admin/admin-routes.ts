import type { Request, Response } from 'express';
import { formatMoney } from '../money/currency.js';
import { spendChart } from '../wallet/spend-chart.js';
import type { AdminDashboard } from './dashboard.js';

export interface AdminLink {
  href: string;
  label: string;
  description: string;
}

/** Admin tools, listed on /admin; features add theirs as they land. */
export const ADMIN_LINKS: AdminLink[] = [
  { href: '/admin/rates', label: 'Rates', description: 'Search, edit, add and delete rates; reprice from cost; import and export the deck.' },
  { href: '/admin/rates/geo', label: 'Geo permissions', description: 'Switch whole countries or prefix ranges on or off; see the number types always blocked.' },
  { href: '/admin/calls', label: 'Calls', description: 'Every call across users, live ones first: timeline, sell, cost and margin per leg, end a live call.' },
  { href: '/admin/users', label: 'Users', description: 'Balances, ledgers, credit adjustments, limits, disabling accounts, admin rights.' },
  { href: '/admin/teams', label: 'Teams', description: 'Teams by name: members, roles and per-member limits.' },
  { href: '/admin/audit', label: 'Audit log', description: 'Every admin change: who, when, what, old → new.' },
  { href: '/admin/emails', label: 'Emails', description: 'Every email sent: deliveries, retries and failures.' },
  { href: '/admin/recordings', label: 'Recordings', description: 'Consent notices both parties hear, how long recordings are kept, their price per minute, the storage quota.' },
  { href: '/admin/vouchers', label: 'Vouchers', description: 'Create batches of single-use credit codes, download unused ones, void a batch.' },
];

export const PAYMENTS_LINK: AdminLink = { href: '/admin/payments', label: 'Payments', description: 'Card top-ups by status, user and date; refunds; disputes and the accounts they put on hold.' };

export const JOBS_LINK: AdminLink = {
  href: '/admin/jobs/',
  label: 'Scheduled jobs',
  description: 'Agendash: hangups at credit deadlines, call reconciliation, monthly free-minute resets.',
};

export function adminRoutes(links: AdminLink[] = ADMIN_LINKS, deps?: { dashboard: AdminDashboard; currency: string }) {
  return {
    /** The dashboard: money and users at a glance, a 30-day revenue chart, and the admin tools. */
    async show(_req: Request, res: Response) {
      if (!deps) return res.render('pages/admin', { title: 'Admin', links });
      const f = await deps.dashboard.figures();
      const money = (micros: number) => formatMoney(micros, deps.currency);
      const cost = f.estimatedCost30dMicros + f.calls.uncollectedMicros;
      const margin = f.revenue30dMicros - cost;
      res.render('pages/admin', {
        title: 'Admin',
        links,
        figures: {
          revenueToday: money(f.revenueTodayMicros),
          revenue30d: money(f.revenue30dMicros),
          cost30d: money(cost),
          unanswered30d: money(f.calls.uncollectedMicros),
          callsToday: f.calls.callsToday,
          minutesToday: Math.round(f.calls.talkSecondsToday / 60),
          liveCalls: f.calls.live,
          answerRate: f.calls.finished ? `${Math.round((f.calls.answered / f.calls.finished) * 100)}%` : '–',
          margin30d: money(margin),
          marginPercent: f.revenue30dMicros > 0 ? `${Math.round((margin / f.revenue30dMicros) * 100)}%` : '–',
          creditOutstanding: money(f.creditOutstandingMicros),
          held: money(f.heldMicros),
          users: f.users,
          disabledUsers: f.disabledUsers,
        },
        chart: spendChart(f.daily, deps.currency, { width: 600, height: 160 }),
        moneyIn: f.moneyInByDay.map((d) => ({ day: d.day, toppedUp: money(d.toppedUpMicros), refunded: money(d.refundedMicros), net: money(d.toppedUpMicros - d.refundedMicros), charged: money(d.chargedMicros), cost: money(d.costMicros) })),
      });
    },
  };
}
