import type TestAgent from 'supertest/lib/agent.js';
import { csrfTokenFrom } from '../../helpers/app.js';

export interface CreatedTestToken {
  secret: string;
  webhookSecret: string | undefined;
  page: string;
}

/** Creates a token through the account page form, as a user would, and reads the secret shown once. */
export async function createTokenViaPage(
  agent: TestAgent,
  fields: { name?: string; scope?: 'calls' | 'read'; expires_on?: string; webhook_url?: string } = {},
): Promise<CreatedTestToken> {
  const csrf = csrfTokenFrom((await agent.get('/account')).text);
  const res = await agent
    .post('/account/tokens')
    .type('form')
    .send({ _csrf: csrf, name: fields.name ?? 'CRM', scope: fields.scope ?? 'calls', expires_on: fields.expires_on ?? '', webhook_url: fields.webhook_url ?? '' });
  if (res.status !== 303) throw new Error(`token creation failed: ${res.status}`);
  const page = (await agent.get('/account')).text;
  const secret = /id="new-api-token"[^>]*value="([^"]+)"/.exec(page)?.[1];
  if (!secret) throw new Error(`no new token on the account page: ${page.slice(page.indexOf('api-tokens'), page.indexOf('api-tokens') + 600)}`);
  const webhookSecret = /id="new-webhook-secret"[^>]*value="([^"]+)"/.exec(page)?.[1];
  return { secret, webhookSecret, page };
}
