import type { FieldErrors } from '../http/forms.js';
import type { TokenScope } from './tokens-repository.js';

/** What survives the redirect after POST /account/tokens: the new secret (shown once, then deleted) or the form errors. */
export interface NewTokenNotice {
  name: string;
  scope: TokenScope;
  secret: string;
  webhookSecret: string | null;
}

declare module 'express-session' {
  interface SessionData {
    newApiToken?: NewTokenNotice;
    apiTokenForm?: { errors: FieldErrors; values: Record<string, string> };
  }
}
