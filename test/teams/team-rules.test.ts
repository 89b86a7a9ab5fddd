import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { limitsFormValues, parseMemberLimits, parseTeamName } from '../../src/teams/team-forms.js';
import { refusal, type TeamAction } from '../../src/teams/team-roles.js';
import type { TeamRole } from '../../src/teams/teams-repository.js';

const ROLES: TeamRole[] = ['owner', 'admin', 'member'];

describe('the permissions matrix (pure)', () => {
  /** allowed[action][actor role][target role or "self"]: what the product promises (docs/teams.md). */
  const allowed: Record<Exclude<TeamAction, 'invite' | 'revoke' | 'leave'>, Record<TeamRole, Partial<Record<TeamRole | 'self', boolean>>>> = {
    role: { owner: { admin: true, member: true, self: false }, admin: { owner: false, admin: true, member: true, self: false }, member: { owner: false, admin: false, member: false, self: false } },
    limits: { owner: { admin: true, member: true, self: true }, admin: { owner: false, admin: true, member: true, self: false }, member: { owner: false, admin: false, member: false, self: false } },
    remove: { owner: { admin: true, member: true, self: false }, admin: { owner: false, admin: true, member: true, self: false }, member: { owner: false, admin: false, member: false, self: false } },
    transfer: { owner: { admin: true, member: true, self: false }, admin: { owner: false, admin: false, member: false, self: false }, member: { owner: false, admin: false, member: false, self: false } },
  };

  it('matches the table for every action, actor role and target', () => {
    for (const [action, byActor] of Object.entries(allowed) as Array<[TeamAction, Record<TeamRole, Partial<Record<TeamRole | 'self', boolean>>>]>) {
      for (const actor of ROLES) {
        for (const [target, expected] of Object.entries(byActor[actor])) {
          const me = { userId: 1, role: actor };
          const other = target === 'self' ? me : { userId: 2, role: target as TeamRole };
          expect(refusal(action, me, other) === undefined, `${actor} ${action} ${target}`).toBe(expected);
        }
      }
    }
  });

  it('invite and revoke: owners and admins; leave: everyone but the owner', () => {
    expect(ROLES.map((r) => refusal('invite', { userId: 1, role: r }) === undefined)).toEqual([true, true, false]);
    expect(ROLES.map((r) => refusal('revoke', { userId: 1, role: r }) === undefined)).toEqual([true, true, false]);
    expect(ROLES.map((r) => refusal('leave', { userId: 1, role: r }) === undefined)).toEqual([false, true, true]);
  });
});

describe('the limits form (pure)', () => {
  const limits = fc.record({
    spendPerDayMicros: fc.option(fc.integer({ min: 1, max: 9_999_999 }).map((c) => c * 10_000), { nil: null }),
    spendPerMonthMicros: fc.constant(null),
    maxConcurrentCalls: fc.option(fc.integer({ min: 1, max: 50 }), { nil: null }),
    allowedCountries: fc.option(fc.uniqueArray(fc.constantFrom('GB', 'FR', 'US', 'DE', 'JP', 'BR'), { minLength: 1 }).map((a) => [...a].sort()), { nil: null }),
  });

  it('reads back what it shows (format then parse is the identity)', () => {
    fc.assert(fc.property(limits, (value) => {
      expect(parseMemberLimits(limitsFormValues(value))).toEqual({ ok: true, value });
    }));
  });

  it('never throws, and either parses or names only its own fields', () => {
    const fields = ['spend_per_day', 'spend_per_month', 'max_concurrent_calls', 'allowed_countries'];
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...fields), fc.string({ maxLength: 20 })), (body) => {
      const outcome = parseMemberLimits(body);
      if (!outcome.ok) for (const key of Object.keys(outcome.errors)) expect(fields).toContain(key);
    }));
  });

  it('names each bad field', () => {
    expect(parseMemberLimits({ spend_per_day: '10', spend_per_month: '5' })).toEqual({ ok: false, errors: { spend_per_month: 'Spend per month: it cannot be less than the spend per day.' } });
    expect(parseMemberLimits({ spend_per_day: '1e3' })).toMatchObject({ ok: false, errors: { spend_per_day: expect.stringContaining('such as 20.00') } });
    expect(parseMemberLimits({ spend_per_day: '0' })).toMatchObject({ ok: false, errors: { spend_per_day: expect.any(String) } });
    expect(parseMemberLimits({ max_concurrent_calls: '51' })).toMatchObject({ ok: false, errors: { max_concurrent_calls: expect.any(String) } });
    expect(parseMemberLimits({ allowed_countries: 'GB, UK, ZZ' })).toEqual({ ok: false, errors: { allowed_countries: 'Allowed countries: UK, ZZ are not two-letter country codes (ISO 3166, such as GB or US).' } });
  });

  it('team names: trimmed, spaces collapsed, 1 to 80 characters', () => {
    expect(parseTeamName(' a\tb  ')).toEqual({ ok: true, value: 'a b' });
    expect(parseTeamName(undefined)).toMatchObject({ ok: false });
    fc.assert(fc.property(fc.string({ maxLength: 120 }), (s) => {
      const outcome = parseTeamName(s);
      if (outcome.ok) expect(outcome.value.length).toBeGreaterThan(0), expect(outcome.value.length).toBeLessThanOrEqual(80);
    }));
  });
});
