import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readRecordingPolicy, resolveRecording, RECORDING_POLICIES, type RecordingInputs } from '../../src/recordings/recording-policy.js';

/** Whether a call records: the paying team's policy over the member's preference, then the paying account's quota. */
describe('resolveRecording', () => {
  const table: Array<[RecordingInputs, boolean, string]> = [
    [{ accountKind: 'personal', policy: 'optional', optedIn: false, overQuota: false }, false, 'not-opted-in'],
    [{ accountKind: 'personal', policy: 'optional', optedIn: true, overQuota: false }, true, 'opted-in'],
    [{ accountKind: 'personal', policy: 'optional', optedIn: true, overQuota: true }, false, 'over-quota'],
    // A personal account's stored policy never applies (personal calls keep the user's preference).
    [{ accountKind: 'personal', policy: 'always', optedIn: false, overQuota: false }, false, 'not-opted-in'],
    [{ accountKind: 'personal', policy: 'off', optedIn: true, overQuota: false }, true, 'opted-in'],
    [{ accountKind: 'team', policy: 'off', optedIn: true, overQuota: false }, false, 'team-off'],
    [{ accountKind: 'team', policy: 'off', optedIn: false, overQuota: true }, false, 'team-off'],
    [{ accountKind: 'team', policy: 'optional', optedIn: false, overQuota: false }, false, 'not-opted-in'],
    [{ accountKind: 'team', policy: 'optional', optedIn: true, overQuota: false }, true, 'opted-in'],
    [{ accountKind: 'team', policy: 'optional', optedIn: true, overQuota: true }, false, 'over-quota'],
    [{ accountKind: 'team', policy: 'always', optedIn: false, overQuota: false }, true, 'team-always'],
    [{ accountKind: 'team', policy: 'always', optedIn: true, overQuota: false }, true, 'team-always'],
    [{ accountKind: 'team', policy: 'always', optedIn: false, overQuota: true }, false, 'over-quota'],
  ];
  it.each(table)('%o → %s (%s)', (input, willRecord, reason) => {
    expect(resolveRecording(input)).toEqual({ willRecord, reason });
  });

  const inputs = fc.record({ accountKind: fc.constantFrom('personal' as const, 'team' as const), policy: fc.constantFrom(...RECORDING_POLICIES), optedIn: fc.boolean(), overQuota: fc.boolean() });

  it('never records over the quota or under a team\'s "off"; a team\'s "always" ignores the preference; otherwise the preference decides', () => {
    fc.assert(fc.property(inputs, (input) => {
      const { willRecord } = resolveRecording(input);
      const policy = input.accountKind === 'team' ? input.policy : 'optional';
      const expected = !input.overQuota && policy !== 'off' && (policy === 'always' || input.optedIn);
      expect(willRecord).toBe(expected);
      if (input.accountKind === 'personal') expect(resolveRecording({ ...input, policy: 'optional' })).toEqual(resolveRecording(input));
    }));
  });

  it('reads unknown stored values as optional', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      expect(RECORDING_POLICIES).toContain(readRecordingPolicy(s));
      if ((RECORDING_POLICIES as readonly string[]).includes(s)) expect(readRecordingPolicy(s)).toBe(s);
    }));
    expect(readRecordingPolicy(null)).toBe('optional');
  });
});
