/** An API error in Stripe's shape: HTTP status and the body's `error` object (stripe-behavior.md §1.5). */
export class StripeSimError extends Error {
  constructor(
    readonly status: number,
    readonly body: { type: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error'; code?: string; decline_code?: string; param?: string; message: string; payment_intent?: unknown; charge?: string; payment_method?: unknown },
  ) {
    super(body.message);
    this.name = 'StripeSimError';
  }
}

export const missing = (param: string) => new StripeSimError(400, { type: 'invalid_request_error', code: 'parameter_missing', param, message: `Missing required param: ${param}.` });
export const invalid = (param: string, message: string) => new StripeSimError(400, { type: 'invalid_request_error', code: 'parameter_invalid', param, message });
export const noSuch = (kind: string, id: string) => new StripeSimError(404, { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such ${kind}: '${id}'` });
