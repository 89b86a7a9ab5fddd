/** Misbehaviour to inject, globally or for one phone number (the To of a call / leg). */
export interface FaultSettings {
  /** Every status callback is delivered twice (same Idempotency-Token would be a retry; these are true duplicates). */
  duplicateWebhooks?: boolean;
  /** A leg's status callbacks are held until its last one and then delivered in a shuffled order. */
  shuffleWebhooks?: boolean;
  /** Status callbacks are delivered this many simulated ms late. */
  delayWebhooksMs?: number;
  /** Status callbacks are silently dropped (logged as dropped). */
  dropStatusCallbacks?: boolean;
  /** The next `count` REST requests fail with this HTTP status (500, 503 or 429). */
  restFailure?: { status: 500 | 503 | 429; count: number };
  /** REST responses are held this many real ms before being answered. */
  slowRestMs?: number;
  /** Recordings of calls to this number (or all) end "failed" instead of "completed" (their media never exists). */
  failRecordings?: boolean;
}

const REST_FAILURE_CODES: Record<number, { code: number; message: string }> = {
  500: { code: 20500, message: 'Internal Server Error' },
  503: { code: 20503, message: 'Service Unavailable' },
  429: { code: 20429, message: 'Too Many Requests' },
};

export class Faults {
  private global: FaultSettings = {};
  private readonly perNumber = new Map<string, FaultSettings>();

  set(settings: FaultSettings, number?: string): void {
    if (number) this.perNumber.set(number, { ...settings });
    else this.global = { ...settings };
  }
  clear(): void {
    this.global = {};
    this.perNumber.clear();
  }
  snapshot(): { global: FaultSettings; numbers: Record<string, FaultSettings> } {
    return { global: this.global, numbers: Object.fromEntries(this.perNumber) };
  }

  /** Per-number settings override global ones field by field. */
  webhookFaults(number: string | undefined): FaultSettings {
    return { ...this.global, ...(number ? this.perNumber.get(number) : undefined) };
  }

  /** Consumes one injected REST failure, per-number first; undefined when the request should proceed. */
  takeRestFailure(number?: string): { status: number; code: number; message: string } | undefined {
    for (const settings of [number ? this.perNumber.get(number) : undefined, this.global]) {
      const failure = settings?.restFailure;
      if (failure && failure.count > 0) {
        failure.count--;
        return { status: failure.status, ...REST_FAILURE_CODES[failure.status]! };
      }
    }
    return undefined;
  }
  restDelayMs(number?: string): number {
    return (number ? this.perNumber.get(number)?.slowRestMs : undefined) ?? this.global.slowRestMs ?? 0;
  }
}
