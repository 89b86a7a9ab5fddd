import type { Request, Response } from 'express';
import { flash } from '../http/flash.js';
import { parseForm, type FieldErrors } from '../http/forms.js';
import { COUNTRY_OPTIONS } from './countries.js';
import { codeForm, phoneForm, type PhoneVerificationService } from './phone-verification-service.js';

interface PageState {
  status?: number;
  values?: Record<string, string>;
  errors?: FieldErrors;
  codeErrors?: FieldErrors;
}

/** GET /account/phone, POST /account/phone (send a code), POST /account/phone/verify (check it). */
export function phoneRoutes(phones: PhoneVerificationService) {
  async function render(req: Request, res: Response, state: PageState = {}) {
    const user = req.user!;
    const waiting = await phones.pending(user.id);
    const pending = waiting && !waiting.expired ? waiting.verification : undefined;
    const expiredFor = waiting?.expired ? waiting.verification.phoneE164 : undefined;
    const country = state.values?.country || (await phones.defaultCountry(user.id, user.phoneE164));
    res.status(state.status ?? 200).render('pages/phone', {
      title: 'Your phone',
      current: user.phoneVerifiedAt ? user.phoneE164 : undefined,
      expiredFor,
      pending: pending && { phone: pending.phoneE164, channel: pending.channel, expiresAt: pending.expiresAt, expiresAtText: `${pending.expiresAt.slice(11, 16)} UTC` },
      countries: COUNTRY_OPTIONS,
      values: { phone: '', channel: 'call', ...state.values, country },
      errors: state.errors ?? {},
      codeErrors: state.codeErrors ?? {},
    });
  }

  return {
    show: (req: Request, res: Response) => render(req, res),

    async start(req: Request, res: Response) {
      const form = parseForm(phoneForm, req.body);
      if (!form.ok) return render(req, res, { status: 422, values: form.values, errors: form.errors });
      const outcome = await phones.start(req.user!, form.value);
      if (!outcome.ok) {
        const values = { phone: form.value.phone, country: form.value.country ?? '', channel: form.value.channel };
        return render(req, res, { status: outcome.status, values, errors: { [outcome.field === 'code' ? 'form' : outcome.field]: outcome.message } });
      }
      const how = outcome.pending.channel === 'sms' ? 'texted a code to' : 'are calling';
      flash(req, 'info', `We ${how} ${outcome.pending.phoneE164}. Enter the code below; it works for 10 minutes.`);
      res.redirect(303, '/account/phone#enter-code');
    },

    async verify(req: Request, res: Response) {
      const form = parseForm(codeForm, req.body);
      if (!form.ok) return render(req, res, { status: 422, codeErrors: form.errors });
      const outcome = await phones.check(req.user!.id, form.value);
      if (!outcome.ok) return render(req, res, { status: outcome.status, codeErrors: { [outcome.field === 'phone' ? 'form' : outcome.field]: outcome.message } });
      flash(req, 'success', `Your phone ${outcome.phoneE164} is verified. We ring it first whenever you make a call.`);
      res.redirect(303, '/account/phone');
    },
  };
}
