import type { User } from '../shared/user.js';

export interface NavItem {
  href: string;
  label: string;
  adminOnly?: boolean;
  /** Only when the app serves the simulator's phones (simulation mode). */
  phonesOnly?: boolean;
  /** Only when the app serves the embedded email outbox (simulation mode without SMTP). */
  outboxOnly?: boolean;
}

/** The product's sections, in menu order; a feature adds its entry here when it lands. */
export const NAV_ITEMS: NavItem[] = [
  { href: '/', label: 'Call' },
  { href: '/contacts', label: 'Contacts' },
  { href: '/teams', label: 'Teams' },
  { href: '/calls', label: 'Calls' },
  { href: '/wallet', label: 'Wallet' },
  { href: '/rates', label: 'Rates' },
  { href: '/account', label: 'Account' },
  { href: '/admin', label: 'Admin', adminOnly: true },
  { href: '/phones', label: 'Phones', phonesOnly: true },
  { href: '/outbox', label: 'Outbox', outboxOnly: true },
];

export function navFor(user: User | undefined, options: { phones?: boolean; outbox?: boolean } = {}): NavItem[] {
  if (!user) return [];
  return NAV_ITEMS.filter((item) => (!item.adminOnly || user.role === 'admin') && (!item.phonesOnly || options.phones === true) && (!item.outboxOnly || options.outbox === true));
}
