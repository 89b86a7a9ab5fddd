/** Midnight UTC of `now`'s day: a daily spend cap counts the call charges since then. */
export function startOfUtcDay(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString();
}
