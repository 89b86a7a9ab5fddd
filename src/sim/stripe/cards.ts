/**
 * The test cards of stripe-behavior.md §6 and what each does when the hosted page (or an off-session payment) charges
 * it. "authentication" cards ask the buyer to approve on the page; off-session they fail with authentication_required
 * unless the card was set up for off-session use (saved with setup_future_usage after authenticating), except the
 * every-payment card (4000 0027 6000 3184), which always asks.
 */
export type CardOutcome =
  | { kind: 'success' }
  | { kind: 'decline'; code: string; declineCode: string | null; message: string }
  | { kind: 'authentication'; then: CardOutcome; offSessionNeedsAuth: boolean; everyPayment?: boolean };

const SUCCESS: CardOutcome = { kind: 'success' };
const declined = (declineCode: string, message = 'Your card was declined.'): CardOutcome => ({ kind: 'decline', code: 'card_declined', declineCode, message });

export const TEST_CARDS: Record<string, { brand: string; outcome: CardOutcome; label: string }> = {
  '4242424242424242': { brand: 'visa', outcome: SUCCESS, label: 'succeeds' },
  '5555555555554444': { brand: 'mastercard', outcome: SUCCESS, label: 'succeeds (Mastercard)' },
  '4000000000000002': { brand: 'visa', outcome: declined('generic_decline'), label: 'declined' },
  '4000000000009995': { brand: 'visa', outcome: declined('insufficient_funds', 'Your card has insufficient funds.'), label: 'insufficient funds' },
  '4000000000009987': { brand: 'visa', outcome: declined('lost_card'), label: 'lost card' },
  '4000000000009979': { brand: 'visa', outcome: declined('stolen_card'), label: 'stolen card' },
  '4000000000006975': { brand: 'visa', outcome: declined('card_velocity_exceeded'), label: 'velocity limit' },
  '4000000000000069': { brand: 'visa', outcome: { kind: 'decline', code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' }, label: 'expired card' },
  '4000000000000127': { brand: 'visa', outcome: { kind: 'decline', code: 'incorrect_cvc', declineCode: 'incorrect_cvc', message: "Your card's security code is incorrect." }, label: 'incorrect CVC' },
  '4000000000000119': { brand: 'visa', outcome: { kind: 'decline', code: 'processing_error', declineCode: 'processing_error', message: 'An error occurred while processing your card. Try again in a little bit.' }, label: 'processing error' },
  '4100000000000019': { brand: 'visa', outcome: { kind: 'decline', code: 'card_declined', declineCode: 'fraudulent', message: 'Your card was declined.' }, label: 'blocked by Radar' },
  '4000000000000341': { brand: 'visa', outcome: declined('generic_decline'), label: 'attaches, charges fail' },
  '4000002500003155': { brand: 'visa', outcome: { kind: 'authentication', then: SUCCESS, offSessionNeedsAuth: true }, label: 'needs authentication (off-session unless set up)' },
  '4000002760003184': { brand: 'visa', outcome: { kind: 'authentication', then: SUCCESS, offSessionNeedsAuth: true, everyPayment: true }, label: 'needs authentication on every payment' },
  '4000003800000446': { brand: 'visa', outcome: { kind: 'authentication', then: SUCCESS, offSessionNeedsAuth: false }, label: 'authenticates once, then off-session succeeds' },
  '4000008260003178': { brand: 'visa', outcome: { kind: 'authentication', then: declined('insufficient_funds', 'Your card has insufficient funds.'), offSessionNeedsAuth: true }, label: 'authenticates, then insufficient funds' },
  '4000000000003220': { brand: 'visa', outcome: { kind: 'authentication', then: SUCCESS, offSessionNeedsAuth: true }, label: '3DS2 then success' },
  '4000008400001629': { brand: 'visa', outcome: { kind: 'authentication', then: declined('card_declined'), offSessionNeedsAuth: true }, label: '3DS2 then declined' },
};

/** pm_card_* shortcuts used server-side (stripe-behavior.md §6). */
export const TEST_PAYMENT_METHODS: Record<string, string> = {
  pm_card_visa: '4242424242424242',
  pm_card_visa_chargeDeclined: '4000000000000002',
  pm_card_visa_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeCustomerFail: '4000000000000341',
  pm_card_authenticationRequiredOnSetup: '4000002500003155',
  pm_card_authenticationRequired: '4000002760003184',
  pm_card_authenticationRequiredSetupForOffSession: '4000003800000446',
};

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export type CardCheck = { ok: true; number: string; brand: string; outcome: CardOutcome } | { ok: false; code: string; message: string };

/** What the hosted page does with typed card details: format errors first, then the test card's behaviour. */
export function checkCard(input: { number: string; expMonth: string; expYear: string; cvc: string }, now: Date): CardCheck {
  const number = input.number.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number) || !luhnValid(number)) return { ok: false, code: 'incorrect_number', message: 'Your card number is incorrect.' };
  const month = Number(input.expMonth);
  if (!/^\d{1,2}$/.test(input.expMonth) || month < 1 || month > 12) return { ok: false, code: 'invalid_expiry_month', message: "Your card's expiration month is invalid." };
  let year = Number(input.expYear);
  if (!/^\d{2}(\d{2})?$/.test(input.expYear)) return { ok: false, code: 'invalid_expiry_year', message: "Your card's expiration year is invalid." };
  if (year < 100) year += 2000;
  const endOfMonth = Date.UTC(year, month, 1);
  if (endOfMonth <= now.getTime()) return { ok: false, code: 'invalid_expiry_year', message: "Your card's expiration year is in the past." };
  if (!/^\d{3,4}$/.test(input.cvc)) return { ok: false, code: 'invalid_cvc', message: "Your card's security code is invalid." };
  const known = TEST_CARDS[number];
  return { ok: true, number, brand: known?.brand ?? 'visa', outcome: known?.outcome ?? SUCCESS };
}
