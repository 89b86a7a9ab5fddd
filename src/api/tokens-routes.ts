import { parseIdParam } from '../http/id-param.js';
import type { NextFunction, Request, Response } from 'express';
import { flash } from '../http/flash.js';
import { HttpError } from '../http/errors.js';
import { parseForm } from '../http/forms.js';
import type { ApiToken } from './tokens-repository.js';
import { createTokenForm, isExpired, type TokensService } from './tokens-service.js';
import './tokens-session.js';
import type { WebhookDeliveries, DeliveryLogEntry } from './webhooks/webhook-deliveries.js';

const SECTION = '/account#api-tokens';

export interface TokenRowView {
  id: number;
  name: string;
  /** The account it acts for: "Personal" or the team's name. */
  account: string;
  scope: string;
  hint: string;
  created: string;
  lastUsed: string;
  expires: string;
  state: 'active' | 'revoked' | 'expired';
  webhookUrl: string | null;
}

const day = (iso: string) => iso.slice(0, 10);
const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export function tokenRowView(token: ApiToken & { accountLabel?: string }, now: Date): TokenRowView {
  return {
    id: token.id,
    name: token.name,
    account: token.accountLabel ?? 'Personal',
    scope: token.scope === 'calls' ? 'Place and end calls' : 'Read only',
    hint: token.hint,
    created: day(token.createdAt),
    lastUsed: token.lastUsedAt ? minute(token.lastUsedAt) : 'Never',
    // expires_at is the midnight after the chosen day; show the day the user picked.
    expires: token.expiresAt ? day(new Date(Date.parse(token.expiresAt) - 1).toISOString()) : 'Never',
    state: token.revokedAt ? 'revoked' : isExpired(token, now) ? 'expired' : 'active',
    webhookUrl: token.webhookUrl,
  };
}

const OUTCOME_CLASSES = new Set<string>(['endpoint error 3xx (redirects are not followed)', 'endpoint error 4xx', 'endpoint error 5xx', 'timed out', 'refused address', 'could not connect', 'account disabled']);

/** What the user sees of the last attempt: a class only (rows written before classes existed hold raw errors). */
function outcomeClass(entry: DeliveryLogEntry): string {
  if (entry.status === 'delivered') return '';
  if (entry.lastError && OUTCOME_CLASSES.has(entry.lastError)) return entry.lastError;
  if (entry.lastStatusCode !== null) return entry.lastStatusCode >= 500 ? 'endpoint error 5xx' : entry.lastStatusCode >= 400 ? 'endpoint error 4xx' : 'endpoint error 3xx (redirects are not followed)';
  return entry.lastError ? 'could not connect' : '';
}

function deliveryView(entry: DeliveryLogEntry) {
  return { ...entry, outcome: outcomeClass(entry), created: minute(entry.createdAt), lastAttempt: entry.lastAttemptAt ? minute(entry.lastAttemptAt) : '—' };
}

function parseId(value: unknown): number {
  return parseIdParam(value, 'There is no such token.');
}

/** The account a new token acts for: the one the request pays from (resolved once per request, src/accounts/request-paying-account.ts). */
type ChosenAccount = (req: Request) => Promise<{ accountId: number; kind: 'personal' | 'team'; role: 'owner' | 'admin' | 'member'; label: string }>;

export function tokensRoutes(deps: { tokens: TokensService; deliveries: WebhookDeliveries; now: () => Date; chosen?: ChosenAccount }) {
  const { tokens, deliveries } = deps;
  return {
    /** Runs before the account page's own handler: puts the token section's data in res.locals (the view reads it). */
    async exposeOnAccountPage(req: Request, res: Response, next: NextFunction) {
      const userId = req.user!.id;
      const now = deps.now();
      const [list, log, acting] = await Promise.all([tokens.list(userId), deliveries.recentForUser(userId, 20), deps.chosen?.(req)]);
      res.locals.apiTokens = {
        tokens: list.map((t) => tokenRowView(t, now)),
        deliveries: log.map(deliveryView),
        created: req.session.newApiToken,
        form: req.session.apiTokenForm ?? { errors: {}, values: {} },
        minExpiry: now.toISOString().slice(0, 10),
        actingFor: acting?.label ?? 'Personal',
      };
      delete req.session.newApiToken;
      delete req.session.apiTokenForm;
      next();
    },

    async create(req: Request, res: Response) {
      const form = parseForm(createTokenForm, req.body);
      if (!form.ok) {
        req.session.apiTokenForm = { errors: form.errors, values: form.values };
        return res.redirect(303, SECTION);
      }
      const outcome = await tokens.create(req.user!.id, form.value, await deps.chosen?.(req));
      if (!outcome.ok) {
        req.session.apiTokenForm = { errors: outcome.errors, values: { name: form.value.name, scope: form.value.scope, expires_on: form.value.expires_on ?? '', webhook_url: form.value.webhook_url ?? '' } };
        return res.redirect(303, SECTION);
      }
      const { token, secret, webhookSecret } = outcome.value;
      req.session.newApiToken = { name: token.name, scope: token.scope, secret, webhookSecret };
      res.redirect(303, SECTION);
    },

    async confirmRevoke(req: Request, res: Response) {
      const id = parseId(req.params.id);
      const token = (await tokens.list(req.user!.id)).find((t) => t.id === id && !t.revokedAt);
      if (!token) throw new HttpError(404, 'There is no such token, or it is already revoked.');
      res.render('pages/api-token-revoke', { title: 'Revoke token', token: tokenRowView(token, deps.now()) });
    },

    async revoke(req: Request, res: Response) {
      const id = parseId(req.params.id);
      if (!(await tokens.revoke(req.user!.id, id))) throw new HttpError(404, 'There is no such token, or it is already revoked.');
      flash(req, 'success', 'Token revoked. Requests with it are refused from now on.');
      res.redirect(303, SECTION);
    },
  };
}
