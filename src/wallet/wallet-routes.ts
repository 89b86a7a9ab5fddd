import type { PayingAccount } from '../accounts/paying-account.js';
import type { Request, Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatDuration, formatMoney } from '../money/currency.js';
import { parseForm, type FieldErrors } from '../http/forms.js';
import { flash } from '../http/flash.js';
import { ledgerCsv } from './ledger-csv.js';
import { lowBalanceBanner } from './low-balance.js';
import { spendChart } from './spend-chart.js';
import { redeemForm } from './wallet-forms.js';
import type { Ledger } from '../ledger/ledger.js';
import type { LedgerEntry } from '../ledger/wallet-rows.js';
import { VoucherError, type VoucherService } from './vouchers.js';

export interface WalletRoutesDeps {
  wallet: Ledger;
  vouchers: VoucherService;
  currency: string;
  lowBalanceThresholdMicros: number;
  freeMinutesPerMonth: number;
  /** The "Add credit by card" section's model (the payments feature's); absent: no card top-ups on this page. */
  topUp?: (userId: number, account?: { accountId: number; kind: 'personal' | 'team'; role: 'owner' | 'admin' | 'member'; name: string }) => Promise<object>;
  /** The account the user pays from (chosen on the dial page): its wallet is the one this page shows. */
  payers?: { chosenFor: (req: Request) => Promise<PayingAccount> };
}

const KIND_LABELS: Record<LedgerEntry['kind'], string> = {
  grant: 'Credit',
  voucher: 'Voucher',
  purchase: 'Top-up',
  call_charge: 'Call',
  recording_charge: 'Call recording',
  refund: 'Refund',
  adjustment: 'Adjustment',
  free_minutes: 'Free minutes',
};

export function walletRoutes(deps: WalletRoutesDeps) {
  const { wallet, vouchers, currency } = deps;
  // The one money format (src/money/currency.ts): a call charged $0.2862 reads the same here, in history and on the call page.
  const money = (micros: number) => formatMoney(micros, currency);

  async function pageModel(req: Request, page: number) {
    const userId = req.user!.id;
    // A team's wallet when the user pays from a team: its owners and admins see its ledger, members its balance.
    const payer = await deps.payers?.chosenFor(req);
    const ref = payer ? { accountId: payer.accountId } : userId;
    const seesLedger = !payer || payer.kind === 'personal' || payer.role !== 'member';
    const noEntries = { entries: [], page: 1, pages: 1, total: 0, perPage: 20 };
    const [summary, ledger, spend, topUp] = await Promise.all([wallet.peek(ref), seesLedger ? wallet.ledger(ref, page, 20) : noEntries, wallet.dailySpend(ref, 30), deps.topUp?.(userId, payer)]);
    return {
      title: payer && payer.kind === 'team' ? `Wallet: ${payer.name}` : 'Wallet',
      team: payer && payer.kind === 'team' ? { name: payer.name, seesLedger } : undefined,
      balance: money(summary.balanceMicros),
      available: money(summary.availableMicros),
      held: summary.heldMicros > 0 ? money(summary.heldMicros) : undefined,
      freeMinutesLeft: Math.floor(summary.freeSecondsAvailable / 60),
      freeMinutesPerMonth: deps.freeMinutesPerMonth,
      low: lowBalanceBanner(summary, deps.lowBalanceThresholdMicros).show,
      ledger: {
        page: ledger.page,
        pages: ledger.pages,
        total: ledger.total,
        entries: ledger.entries.map((e) => ({
          date: e.createdAt.slice(0, 16).replace('T', ' '),
          kind: KIND_LABELS[e.kind],
          description: e.description,
          reference: e.reference,
          amount: e.kind === 'free_minutes' ? formatDuration(e.freeSeconds) : money(e.amountMicros),
          balanceAfter: money(e.balanceAfterMicros),
        })),
      },
      chart: spendChart(spend, currency),
      topUp,
    };
  }

  async function render(req: Request, res: Response, status: number, form: { values: Record<string, string>; errors: FieldErrors }) {
    const page = Number.parseInt(String(req.query.page ?? '1'), 10) || 1;
    res.status(status).render('pages/wallet', { ...(await pageModel(req, page)), ...form });
  }

  return {
    async show(req: Request, res: Response) {
      await render(req, res, 200, { values: {}, errors: {} });
    },

    async redeem(req: Request, res: Response) {
      const form = parseForm(redeemForm, req.body);
      if (!form.ok) return render(req, res, 422, form);
      try {
        // Credited to the account the user pays from: a voucher redeemed while paying from a team tops up the team.
        const payer = await deps.payers?.chosenFor(req);
        const entry = await vouchers.redeem(payer && payer.kind === 'team' ? { accountId: payer.accountId, userId: req.user!.id } : req.user!.id, form.value.code);
        flash(req, 'success', `Voucher redeemed: ${money(entry.amountMicros)} added to your balance.`);
        res.redirect(303, '/wallet');
      } catch (err) {
        if (!(err instanceof VoucherError)) throw err;
        await render(req, res, 422, { values: { code: form.value.code }, errors: { code: err.message } });
      }
    },

    /** The whole ledger as CSV, streamed so a long history never sits in memory. */
    async exportCsv(req: Request, res: Response) {
      // The ledger of the account the user pays from, as the wallet page shows it: a team's to its owners and admins;
      // its members see no team ledger, so for them there is none to download (404).
      const payer = await deps.payers?.chosenFor(req);
      if (payer && payer.kind === 'team' && payer.role === 'member') return void res.status(404).render('pages/error', { title: 'Not found', message: "Only the team's owners and admins see its ledger." });
      const ref = payer && payer.kind === 'team' ? { accountId: payer.accountId } : req.user!.id;
      const day = new Date().toISOString().slice(0, 10);
      res.set('Content-Type', 'text/csv; charset=utf-8');
      res.set('Content-Disposition', `attachment; filename="callbridge-ledger-${day}.csv"`);
      // pipeline, not pipe: a database error half-way must end the response, not crash the process.
      await pipeline(Readable.from(ledgerCsv(wallet.allEntries(ref))), res);
    },
  };
}
