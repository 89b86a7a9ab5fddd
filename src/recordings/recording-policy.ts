/**
 * Whether a call records: the paying account's policy (a team's owner sets it) over the member's own preference,
 * then the storage quota of the account that pays. Pure, so it is table- and property-tested.
 */

export const RECORDING_POLICIES = ['off', 'optional', 'always'] as const;
export type RecordingPolicyName = (typeof RECORDING_POLICIES)[number];

export const isRecordingPolicy = (v: unknown): v is RecordingPolicyName => typeof v === 'string' && (RECORDING_POLICIES as readonly string[]).includes(v);

/** A stored value read back: anything unknown counts as 'optional' (the column's default). */
export const readRecordingPolicy = (v: unknown): RecordingPolicyName => (isRecordingPolicy(v) ? v : 'optional');

export interface RecordingInputs {
  /** The account that pays for the call. */
  accountKind: 'personal' | 'team';
  policy: RecordingPolicyName;
  /** The member's own "Record my calls". */
  optedIn: boolean;
  overQuota: boolean;
}

/**
 * - `team-off`: the team never records (the member's preference is ignored);
 * - `team-always`: the team always records (the member cannot turn it off);
 * - `opted-in` / `not-opted-in`: the member's preference decides (personal calls, optional teams);
 * - `over-quota`: it would record, but the paying account's storage is full.
 */
export type RecordingReason = 'team-off' | 'team-always' | 'opted-in' | 'not-opted-in' | 'over-quota';

export function resolveRecording(input: RecordingInputs): { willRecord: boolean; reason: RecordingReason } {
  const policy = input.accountKind === 'team' ? input.policy : 'optional';
  if (policy === 'off') return { willRecord: false, reason: 'team-off' };
  const wanted = policy === 'always' || input.optedIn;
  if (!wanted) return { willRecord: false, reason: 'not-opted-in' };
  if (input.overQuota) return { willRecord: false, reason: 'over-quota' };
  return { willRecord: true, reason: policy === 'always' ? 'team-always' : 'opted-in' };
}

export const POLICY_LABELS: Record<RecordingPolicyName, string> = {
  off: 'Off: team calls are never recorded',
  optional: "Optional: each member's own setting decides",
  always: 'Always: every team call is recorded',
};
