/** One row of the rate deck: the price of calls whose E.164 digits start with `prefix`. Money in micros. */
export interface Rate {
  prefix: string;
  iso: string;
  country: string;
  description: string;
  sellPerMinMicros: number;
  costPerMinMicros: number;
  firstIncrementS: number;
  nextIncrementS: number;
  connectionFeeMicros: number;
  minimumChargeMicros: number;
  enabled: boolean;
}

/** Rules that apply to every leg, whatever the rate row says. */
export interface RatingPolicy {
  /** An answered leg shorter than this costs nothing (1 s: only a zero-second leg is free). */
  minimumBillableSeconds: number;
  /** The longest call we ever allow, whatever the credit (Twilio's own ceiling is 4 hours). */
  maxCallSeconds: number;
}

export const defaultRatingPolicy: RatingPolicy = { minimumBillableSeconds: 1, maxCallSeconds: 4 * 60 * 60 };

/** The product's required default billing: per started minute. */
export const DEFAULT_FIRST_INCREMENT_S = 60;
export const DEFAULT_NEXT_INCREMENT_S = 60;
