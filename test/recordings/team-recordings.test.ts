import request from 'supertest';
import { exponential } from 'agenda';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenViaPage } from '../api/helpers/tokens.js';
import { csrfTokenFrom, emailedLink, followConfirmLink } from '../helpers/app.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { DESTINATION, startCall, startCallHarness, USER_PHONE, type CallHarness } from '../calls/helpers/call-harness.js';

/**
 * Team recordings (issue 30 with teams, docs/recordings.md): the paying team's policy decides, the recording is the
 * paying account's (its wallet pays, its quota counts it), and only the caller and the team's owners and admins hear it.
 * Through the app, the real twilio SDK and the simulator.
 */
let h: CallHarness;
afterEach(async () => {
  try {
    await expectLedgerConsistent(h.testDb.db);
  } finally {
    await h.close();
  }
});

const fastRetries = exponential({ delay: 20, factor: 1, maxDelay: 20, maxRetries: 5 });
const recordings = () => h.built.services.recordings;

function binary(res: request.Response, done: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}

async function signUp(name: string) {
  const agent = request.agent(h.baseUrl);
  const email = `${name.toLowerCase()}-${Math.random().toString(36).slice(2)}@example.com`;
  const form = await agent.get('/signup');
  await agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name, email, password: 'correct horse battery' });
  expect((await followConfirmLink(agent, await emailedLink(h.built, email, '/confirm-email'))).status).toBe(303);
  const user = await h.testDb.db('users').where({ email }).first<{ id: number }>('id');
  return { agent, userId: Number(user!.id), csrf: csrfTokenFrom((await agent.get('/account')).text) };
}

/** The harness user (Ada) creates a team on the web, funds it, and pays from it on the dial page. */
async function adaTeam(): Promise<number> {
  h = await startCallHarness({ recordingBackoff: fastRetries });
  const created = await h.agent.post('/teams').type('form').send({ _csrf: h.csrf, name: 'Acme' });
  expect(created.status).toBe(303);
  const teamId = Number(/\/teams\/(\d+)/.exec(created.headers.location!)![1]);
  await h.built.services.money.ledger.credit({ accountId: teamId, userId: h.userId }, { kind: 'grant', amountMicros: 5_000_000, description: 'Team credit' });
  expect((await h.agent.post('/dial/pay-from').type('form').send({ _csrf: h.csrf, account: String(teamId) })).status).toBe(303);
  return teamId;
}

const setPolicy = (teamId: number, policy: string) => h.agent.post(`/teams/${teamId}/recording`).type('form').send({ _csrf: h.csrf, recordingPolicy: policy });
const notice = async () => /id="recording-notice">([^<]*)/.exec((await h.agent.get('/')).text)?.[1] ?? null;
const join = async (teamId: number, userId: number, role: 'admin' | 'member') => {
  const now = new Date().toISOString();
  await h.testDb.db('account_members').insert({ account_id: teamId, user_id: userId, role, created_at: now, updated_at: now });
};

describe('team recording policy', () => {
  it('the owner sets it (audit row, CSRF, bad value named); the dial page says what each policy does', async () => {
    const teamId = await adaTeam();
    expect((await h.agent.get(`/teams/${teamId}`)).text).toContain('name="recordingPolicy" value="optional" checked');

    // Optional: the member's own preference decides (off by default: nothing said; on: "will be recorded").
    expect(await notice()).toBeNull();
    await h.agent.post('/account/recording').type('form').send({ _csrf: h.csrf, record: 'on' });
    expect(await notice()).toContain('This call will be recorded.');

    // Off: the preference is ignored and the page says why.
    expect((await setPolicy(teamId, 'off')).status).toBe(303);
    expect(await notice()).toBe('This call will not be recorded: recording is off by Acme’s policy.');

    // Always: recorded even with the member's preference off, and no "Change" link to turn it off.
    await h.agent.post('/account/recording').type('form').send({ _csrf: h.csrf });
    expect((await setPolicy(teamId, 'always')).status).toBe(303);
    const page = (await h.agent.get('/')).text;
    expect(/id="recording-notice">([^<]*)/.exec(page)?.[1]).toBe('● This call will be recorded: Acme records every team call. Both of you hear a notice first.');

    // Personal calls keep the user's preference (off now).
    await h.agent.post('/dial/pay-from').type('form').send({ _csrf: h.csrf, account: String((await h.built.services.payingAccounts.accountsOf(h.userId))[0]!.accountId) });
    expect(await notice()).toBeNull();

    // Bad value: 422 naming the field, nothing changed; no CSRF token: refused.
    const bad = await setPolicy(teamId, 'sometimes');
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Choose off, optional or always for recording.');
    expect((await h.agent.post(`/teams/${teamId}/recording`).type('form').send({ recordingPolicy: 'off' })).status).toBe(403);
    const audit = await h.testDb.db('audit_log').where({ action: 'team.recording_policy' }).orderBy('id').select('old_value', 'new_value');
    expect(audit.map((a) => [JSON.parse(a.old_value).recordingPolicy, JSON.parse(a.new_value).recordingPolicy])).toEqual([['optional', 'off'], ['off', 'always']]);

    // A member cannot set it (403), sees it in words; another team's owner gets 404.
    const bob = await signUp('Bob');
    await join(teamId, bob.userId, 'member');
    expect((await bob.agent.post(`/teams/${teamId}/recording`).type('form').send({ _csrf: bob.csrf, recordingPolicy: 'off' })).status).toBe(403);
    expect((await bob.agent.get(`/teams/${teamId}`)).text).toContain('Always: every team call is recorded.');
    const mallory = await signUp('Mallory');
    await mallory.agent.post('/teams').type('form').send({ _csrf: mallory.csrf, name: 'Mallory Corp' });
    expect((await mallory.agent.post(`/teams/${teamId}/recording`).type('form').send({ _csrf: mallory.csrf, recordingPolicy: 'off' })).status).toBe(404);
    expect((await h.testDb.db('accounts').where({ id: teamId }).first('recording_policy')).recording_policy).toBe('always');
  });

  it('always: a team call records without the member opting in, the team pays, its owner/admins hear it, others get 404', async () => {
    const teamId = await adaTeam();
    expect((await setPolicy(teamId, 'always')).status).toBe(303);
    expect(await recordings().preference(h.userId)).toBe(false);

    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 2, hangupAfterS: 3 + 1.68 + 0.2 });
    const { id } = await startCall(h);
    await h.waitForCall(id!, (c) => c.settledAt !== null);
    await h.sim.control.waitForIdle(10_000);
    const deadline = Date.now() + 10_000;
    let rec = await recordings().forCall(h.userId, id!);
    while (!rec?.deletedAtTwilioAt) {
      if (Date.now() > deadline) throw new Error(`no recording: ${JSON.stringify(rec)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      rec = await recordings().forCall(h.userId, id!);
    }
    expect(rec.status).toBe('stored');
    expect(rec.durationS).toBe(3);
    expect((await h.testDb.db('calls').where({ id }).first('account_id')).account_id).toBe(teamId);

    // Charged to the team's wallet, not Ada's personal one; counted against the team's quota.
    const charges = await h.testDb.db('ledger_entries').where({ kind: 'recording_charge' }).select('account_id', 'user_id', 'amount_micros');
    expect(charges).toEqual([{ account_id: teamId, user_id: h.userId, amount_micros: -5000 }]);
    expect((await recordings().outlook(h.userId, teamId)).usedBytes).toBe(rec.bytes);
    expect((await recordings().outlook(h.userId, null)).usedBytes).toBe(0);

    // The quota is the paying account's, with the clear message.
    const settings = await recordings().settings();
    await recordings().saveSettings({ ...settings, quotaBytes: rec.bytes }, h.userId);
    expect(await notice()).toMatch(/^This call will not be recorded: Acme’s recordings storage is full \((\d\.\d\d MB) of \1\)\. $/);
    await recordings().saveSettings(settings, h.userId);

    // The caller hears it; so do the team's admins (page, media with Range, download, the team's list, the API).
    const carol = await signUp('Carol');
    await join(teamId, carol.userId, 'admin');
    const ranged = await carol.agent.get(`/calls/${id}/recording`).set('Range', 'bytes=0-99').buffer(true).parse(binary);
    expect(ranged.status).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 0-99/${rec.bytes}`);
    expect((await carol.agent.get(`/calls/${id}/recording?download=1`)).headers['content-disposition']).toContain('attachment');
    expect((await carol.agent.get(`/calls/${id}/recording/panel`)).status).toBe(200);
    const list = await carol.agent.get(`/teams/${teamId}/recordings`);
    expect(list.text).toContain(`src="/calls/${id}/recording"`);
    expect(list.text).toContain('<strong>Caller</strong>');
    const { secret: carolToken } = await createTokenViaPage(carol.agent, { scope: 'read' });
    expect((await request(h.baseUrl).get(`/api/v1/calls/${id}/recording`).set('Authorization', `Bearer ${carolToken}`)).body).toMatchObject({ status: 'stored' });

    // A plain member of the same team, another team's owner and a user in no team: 404 everywhere.
    const bob = await signUp('Bob');
    await join(teamId, bob.userId, 'member');
    expect((await bob.agent.get(`/teams/${teamId}/recordings`)).text).toContain('No recorded team call yet.');
    const mallory = await signUp('Mallory');
    await mallory.agent.post('/teams').type('form').send({ _csrf: mallory.csrf, name: 'Mallory Corp' });
    const dave = await signUp('Dave');
    for (const other of [bob, mallory, dave]) {
      expect((await other.agent.get(`/calls/${id}/recording`).set('Range', 'bytes=0-99')).status).toBe(404);
      expect((await other.agent.get(`/calls/${id}/recording?download=1`)).status).toBe(404);
      expect((await other.agent.get(`/calls/${id}/recording/panel`)).status).toBe(404);
      expect((await other.agent.get(`/calls/${id}/recording/delete`)).status).toBe(404);
      expect((await other.agent.post(`/calls/${id}/recording/delete`).type('form').send({ _csrf: other.csrf })).status).toBe(404);
      expect((await other.agent.get(`/calls/${id}`)).status).toBe(404);
      const { secret } = await createTokenViaPage(other.agent, { scope: 'read' });
      for (const path of [`/calls/${id}/recordings`, `/calls/${id}/recording`, `/calls/${id}/recording/media`]) {
        expect((await request(h.baseUrl).get(`/api/v1${path}`).set('Authorization', `Bearer ${secret}`)).status).toBe(404);
      }
    }
    for (const other of [mallory, dave]) expect((await other.agent.get(`/teams/${teamId}/recordings`)).status).toBe(404);
    // A personal account's id is not a team, even one's own.
    const personal = (await h.built.services.payingAccounts.accountsOf(h.userId)).find((a) => a.kind === 'personal')!.accountId;
    expect((await h.agent.get(`/teams/${personal}/recordings`)).status).toBe(404);
    expect((await recordings().forCall(h.userId, id!))?.status).toBe('stored');
  });

  it('off: a team call is not recorded although the member opted in', async () => {
    const teamId = await adaTeam();
    await h.agent.post('/account/recording').type('form').send({ _csrf: h.csrf, record: 'on' });
    expect((await setPolicy(teamId, 'off')).status).toBe(303);
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 2, hangupAfterS: 2 });
    const { id } = await startCall(h);
    await h.waitForCall(id!, (c) => c.settledAt !== null);
    await h.sim.control.waitForIdle(10_000);
    expect(h.sim.control.log({}).filter((e) => e.kind === 'whisper' || e.kind === 'recording-callback')).toEqual([]);
    expect(await recordings().forCall(h.userId, id!)).toBeUndefined();
  });
});
