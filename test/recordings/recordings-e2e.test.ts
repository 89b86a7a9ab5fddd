import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import twilio from 'twilio';
import { exponential } from 'agenda';
import { afterEach, describe, expect, it } from 'vitest';
import { readWavInfo } from '../../src/shared/wav.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { OpenApiValidator } from '../api/helpers/openapi-validator.js';
import { createTokenViaPage } from '../api/helpers/tokens.js';
import { csrfTokenFrom, emailedLink, followConfirmLink } from '../helpers/app.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { DESTINATION, startCall, startCallHarness, USER_PHONE, type CallHarness, type HarnessOptions } from '../calls/helpers/call-harness.js';

type RequestOptions = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0];

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
const ledgerKinds = async () => (await h.built.services.money.wallet.ledger(h.userId)).entries.map((e) => `${e.kind}:${e.amountMicros}`);

async function recordingOn(options: HarnessOptions = {}) {
  h = await startCallHarness({ recordingBackoff: fastRetries, ...options });
  const res = await h.agent.post('/account/recording').type('form').send({ _csrf: h.csrf, record: 'on' });
  expect(res.status).toBe(303);
}

/** The destination answers, hears the whisper (28 characters: 1.68 s of <Say>), talks `talkS` seconds, hangs up. */
async function recordedCall(talkS: number) {
  h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1 });
  h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 2, hangupAfterS: talkS + 1.68 + 0.2 });
  const { id } = await startCall(h);
  await h.waitForCall(id!, (c) => c.settledAt !== null);
  await h.sim.control.waitForIdle(10_000);
  return id!;
}

async function waitForRecording(callId: string, done: (r: NonNullable<Awaited<ReturnType<ReturnType<typeof recordings>['forCall']>>>) => boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const rec = await recordings().forCall(h.userId, callId);
    if (rec && done(rec)) return rec;
    if (Date.now() > deadline) throw new Error(`recording of ${callId} did not get there: ${JSON.stringify(rec)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const twilioClient = () => createTwilioClient({ accountSid: h.sim.accountSid, authToken: h.sim.authToken, apiBase: h.sim.url });

async function otherUser() {
  const agent = request.agent(h.baseUrl);
  const email = `other-${Math.random().toString(36).slice(2)}@example.com`;
  const form = await agent.get('/signup');
  await agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Other', email, password: 'correct horse battery' });
  const confirmed = await followConfirmLink(agent, await emailedLink(h.built, email, '/confirm-email'));
  expect(confirmed.status).toBe(303);
  return agent;
}

describe('call recordings, through the app, the real twilio SDK and the simulator', () => {
  it('records an opted-in call after both notices, stores it, deletes it at Twilio, bills it once, plays it with Range', async () => {
    await recordingOn();
    expect((await h.agent.get('/')).text).toContain('This call will be recorded');
    const id = await recordedCall(5);
    const rec = await waitForRecording(id, (r) => r.deletedAtTwilioAt !== null);
    // The job can finish before the completed callback's 204 reaches the simulator's log.
    await h.sim.control.waitForIdle(10_000);

    // Callbacks in order; the whisper (destination's notice) came before the recording started.
    const log = h.sim.control.log({}).filter((e) => e.direction === 'outbound');
    const labels = log.filter((e) => e.kind === 'whisper' || e.kind === 'recording-callback').map((e) => (e.kind === 'whisper' ? 'whisper' : e.params.RecordingStatus));
    expect(labels).toEqual(['whisper', 'in-progress', 'completed']);
    expect(log.find((e) => e.kind === 'recording-callback')!.url).toBe(`${h.baseUrl}/twilio/calls/${id}/recording`);
    expect(log.filter((e) => e.kind === 'recording-callback').every((e) => e.status === 204)).toBe(true);
    // In simulated time: the user heard the notice (1.6 s) after answering, the destination the whisper (1.7 s) after
    // answering, and only then did the recording start.
    const stamp = (status: string, parent: boolean) => Date.parse(log.find((e) => e.kind === 'status-callback' && e.params.CallStatus === status && (e.params.ParentCallSid === undefined) === parent)!.params.Timestamp as string);
    const recordingStart = Date.parse(log.find((e) => e.kind === 'recording-callback')!.params.RecordingStartTime as string);
    expect(recordingStart - stamp('in-progress', true)).toBeGreaterThanOrEqual(2_000);
    expect(recordingStart - stamp('in-progress', false)).toBeGreaterThanOrEqual(1_000);

    // Stored: right duration and channels, on disk in RECORDINGS_DIR; gone at Twilio.
    expect(rec).toMatchObject({ status: 'stored', durationS: 5, channels: 2, chargedMicros: 5_000 });
    const file = join(h.recordingsDir, rec.path!);
    const info = readWavInfo(readFileSync(file));
    expect(info).toMatchObject({ channels: 2, durationMs: 5_000 });
    expect(rec.bytes).toBe(readFileSync(file).length);
    expect((await twilioClient().recordings(rec.twilioSid).fetch({ includeSoftDeleted: true })).status).toBe('deleted');
    expect(await ledgerKinds()).toContain('recording_charge:-5000');

    // The call page: the player, and the recorded minute in the cost breakdown.
    const page = await h.agent.get(`/calls/${id}`);
    expect(page.text).toContain(`<audio controls preload="metadata" src="/calls/${id}/recording"`);
    expect(page.text).toContain('<tr><td>Recording, 1 min</td><td class="num">$0.0050</td></tr>');

    expect((await h.agent.get('/calls')).text).toContain(`<audio controls preload="none" src="/calls/${id}/recording"`);

    // Range requests.
    const size = rec.bytes;
    const first = await h.agent.get(`/calls/${id}/recording`).set('Range', 'bytes=0-99').buffer(true).parse(binary);
    expect(first.status).toBe(206);
    expect(first.headers['content-type']).toMatch(/^audio\/wav/);
    expect(first.headers['content-range']).toBe(`bytes 0-99/${size}`);
    expect((first.body as Buffer).length).toBe(100);
    expect((first.body as Buffer).toString('ascii', 0, 4)).toBe('RIFF');
    const open = await h.agent.get(`/calls/${id}/recording`).set('Range', 'bytes=1000-').buffer(true).parse(binary);
    expect(open.status).toBe(206);
    expect(open.headers['content-range']).toBe(`bytes 1000-${size - 1}/${size}`);
    expect((open.body as Buffer).length).toBe(size - 1000);
    const beyond = await h.agent.get(`/calls/${id}/recording`).set('Range', `bytes=${size}-`);
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${size}`);
    const whole = await h.agent.get(`/calls/${id}/recording`).buffer(true).parse(binary);
    expect(whole.status).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect((whole.body as Buffer).equals(readFileSync(file))).toBe(true);
    const download = await h.agent.get(`/calls/${id}/recording?download=1`).buffer(true).parse(binary);
    expect(download.headers['content-disposition']).toContain('attachment');

    // Someone else: 404 for the media, the panel and the delete.
    const other = await otherUser();
    expect((await other.get(`/calls/${id}/recording`).set('Range', 'bytes=0-99')).status).toBe(404);
    expect((await other.get(`/calls/${id}/recording/delete`)).status).toBe(404);
    expect((await other.get(`/calls/${id}`)).status).toBe(404);

    // The API, with a token of the owning account (read scope is enough); another account's token gets 404.
    const { secret } = await createTokenViaPage(h.agent, { scope: 'read' });
    const api = (path: string, token = secret) => request(h.baseUrl).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
    const listed = await api(`/calls/${id}/recordings`);
    expect(listed.status).toBe(200);
    expect(listed.body.recordings).toEqual([expect.objectContaining({ call_id: id, status: 'stored', duration_seconds: 5, channels: 2, media_url: `${h.baseUrl}/api/v1/calls/${id}/recording/media` })]);
    const fetched = await api(`/calls/${id}/recording`);
    expect(fetched.body).toMatchObject({ status: 'stored', bytes: size });
    // The responses are the ones the OpenAPI document promises.
    const openapi = new OpenApiValidator((await request(h.baseUrl).get('/api/v1/openapi.json')).body);
    openapi.assertValid('get', '/calls/{id}/recordings', listed);
    openapi.assertValid('get', '/calls/{id}/recording', fetched);
    const apiMedia = await api(`/calls/${id}/recording/media`).set('Range', 'bytes=0-99').buffer(true).parse(binary);
    expect(apiMedia.status).toBe(206);
    expect((apiMedia.body as Buffer).length).toBe(100);
    const { secret: otherSecret } = await createTokenViaPage(other, { scope: 'read' });
    const notYours = await api(`/calls/${id}/recording`, otherSecret);
    expect(notYours.status).toBe(404);
    openapi.assertValid('get', '/calls/{id}/recording', notYours);
    expect((await api(`/calls/${id}/recording/media`, otherSecret)).status).toBe(404);
    expect((await api(`/calls/${id}/recordings`, otherSecret)).status).toBe(404);

    // Deleting: asked first, then the file is gone and the quota freed.
    expect((await h.agent.get(`/calls/${id}/recording/delete`)).text).toContain('Delete this recording?');
    expect((await recordings().outlook(h.userId)).usedBytes).toBe(size);
    const deleted = await h.agent.post(`/calls/${id}/recording/delete`).type('form').send({ _csrf: h.csrf });
    expect(deleted.status).toBe(303);
    expect(existsSync(file)).toBe(false);
    expect((await recordings().outlook(h.userId)).usedBytes).toBe(0);
    expect((await h.agent.get(`/calls/${id}/recording`)).status).toBe(404);
    expect((await h.agent.get(`/calls/${id}`)).text).toContain('You deleted this recording');
  });

  it('a failed recording is shown as such and not billed', async () => {
    await recordingOn();
    h.sim.control.setFaults({ failRecordings: true }, DESTINATION);
    const id = await recordedCall(3);
    const rec = await waitForRecording(id, (r) => r.status !== 'processing');
    expect(rec).toMatchObject({ status: 'failed', errorCode: 16106, chargedMicros: 0, path: null });
    expect((await ledgerKinds()).some((k) => k.startsWith('recording_charge'))).toBe(false);
    expect((await h.agent.get(`/calls/${id}`)).text).toContain('The recording failed');
    expect(readdirSync(h.recordingsDir)).toEqual([]);
    // The callback is signed like every Twilio webhook: without a valid X-Twilio-Signature it changes nothing.
    const forged = await request(h.baseUrl).post(`/twilio/calls/${id}/recording`).type('form')
      .send({ CallSid: rec.twilioSid.replace('RE', 'CA'), RecordingSid: rec.twilioSid, RecordingStatus: 'completed', RecordingDuration: '3' });
    expect(forged.status).toBe(403);
    expect((await recordings().forCall(h.userId, id))!.status).toBe('failed');
  });

  it('the admin sets the wording, retention, rate and quota (with an audit row); bad fields are named', async () => {
    await recordingOn();
    await h.testDb.db('users').where({ id: h.userId }).update({ role: 'admin' });
    const csrf = csrfTokenFrom((await h.agent.get('/admin/recordings')).text);
    const bad = await h.agent.post('/admin/recordings').type('form').send({ _csrf: csrf, callerNotice: '', calleeNotice: 'Hi', retentionDays: '30', ratePerMin: '0.01', quotaMb: '10' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('The notice to the caller must be 1 to 300 characters.');
    const saved = await h.agent.post('/admin/recordings').type('form').send({ _csrf: csrf, callerNotice: 'Recorded for training.', calleeNotice: 'Recorded, sorry.', retentionDays: '30', ratePerMin: '0.01', quotaMb: '10' });
    expect(saved.status).toBe(303);
    expect(await recordings().settings()).toEqual({ callerNotice: 'Recorded for training.', calleeNotice: 'Recorded, sorry.', retentionDays: 30, ratePerMinMicros: 10_000, quotaBytes: 10 * 1024 * 1024 });
    expect(await h.testDb.db('audit_log').where({ action: 'recordings.settings' }).count<{ n: number }[]>({ n: '*' }).first()).toMatchObject({ n: expect.anything() });
    // The whisper now says the admin's words.
    const id = await recordedCall(2);
    await waitForRecording(id, (r) => r.deletedAtTwilioAt !== null);
    const whisper = h.sim.control.log({ kind: 'whisper' })[0]!;
    expect(whisper.status).toBe(200);
    expect((await recordings().forCall(h.userId, id))!.chargedMicros).toBe(10_000);
  });

  it('a crash between download and the deletion at Twilio loses nothing: the rerun deletes it, stored and billed once', async () => {
    // The first DELETE of a recording never leaves: the process died after storing the file and before deleting it.
    const killedBeforeDelete = new twilio.RequestClient();
    const send = killedBeforeDelete.request.bind(killedBeforeDelete);
    let kills = 0;
    killedBeforeDelete.request = async <T>(opts: RequestOptions & { data?: T }) => {
      if (opts.method.toUpperCase() === 'DELETE' && /\/Recordings\/RE[0-9a-f]{32}\.json$/.test(opts.uri) && kills++ === 0) throw new Error('process killed');
      return send<T>(opts);
    };
    await recordingOn({ httpClient: killedBeforeDelete });
    const id = await recordedCall(4);
    const rec = await waitForRecording(id, (r) => r.deletedAtTwilioAt !== null);
    expect(kills).toBe(2);
    expect(rec).toMatchObject({ status: 'stored', durationS: 4 });
    const mediaGets = h.sim.control.log({ kind: 'rest' }).filter((e) => e.method === 'GET' && e.url.includes(`/Recordings/${rec.twilioSid}.wav`));
    expect(mediaGets).toHaveLength(1);
    expect(readdirSync(join(h.recordingsDir, `u${h.userId}`))).toEqual([`${id}.wav`]);
    expect((await ledgerKinds()).filter((k) => k.startsWith('recording_charge'))).toEqual(['recording_charge:-5000']);
    expect((await twilioClient().recordings(rec.twilioSid).fetch({ includeSoftDeleted: true })).status).toBe('deleted');

    // The same job run again (a duplicate, or after a restart) changes nothing.
    await recordings().process(rec.id);
    expect((await ledgerKinds()).filter((k) => k.startsWith('recording_charge'))).toHaveLength(1);
  });

  it('the download step, a crash, then the job: stored once, deleted at Twilio', async () => {
    await recordingOn();
    // No job runs the recording here: the scheduler is stopped before the call, so the test plays the job's steps.
    await h.jobs.stop({ timeoutMs: 1_000 });
    const id = await recordedCall(3);
    const rec = await waitForRecording(id, (r) => r.mediaReadyAt !== null);
    await recordings().downloadOnly(rec.id);
    // "Killed" here: the file is stored and billed, Twilio still has the media.
    expect((await twilioClient().recordings(rec.twilioSid).fetch()).status).toBe('completed');
    await recordings().process(rec.id);
    const after = (await recordings().forCall(h.userId, id))!;
    expect(after.deletedAtTwilioAt).not.toBeNull();
    expect((await twilioClient().recordings(rec.twilioSid).fetch({ includeSoftDeleted: true })).status).toBe('deleted');
    expect(readdirSync(join(h.recordingsDir, `u${h.userId}`))).toEqual([`${id}.wav`]);
    expect((await ledgerKinds()).filter((k) => k.startsWith('recording_charge'))).toEqual(['recording_charge:-5000']);
  });

  it('retention removes file and row at the set age; over the quota calls are not recorded, and deleting one frees it', async () => {
    await recordingOn();
    const id = await recordedCall(2);
    const rec = await waitForRecording(id, (r) => r.deletedAtTwilioAt !== null);
    const settings = await recordings().settings();
    await recordings().saveSettings({ ...settings, retentionDays: 1, quotaBytes: 1_000 }, h.userId);

    // Over the quota: the dial page says so and the next call is not recorded.
    expect((await recordings().outlook(h.userId)).overQuota).toBe(true);
    expect((await h.agent.get('/')).text).toContain('your recordings storage is full');
    const unrecorded = await recordedCall(2);
    expect(h.sim.control.log({ kind: 'whisper' })).toHaveLength(1);
    expect(await recordings().forCall(h.userId, unrecorded)).toBeUndefined();

    // Not yet a day old: kept. Two days later: file and row gone, quota free again.
    expect(await recordings().applyRetention()).toBe(0);
    h.clock.advance(2 * 86_400_000);
    expect(await recordings().applyRetention()).toBe(1);
    expect(existsSync(join(h.recordingsDir, rec.path!))).toBe(false);
    expect(await h.testDb.db('recordings').where({ id: rec.id }).first()).toBeUndefined();
    expect((await recordings().outlook(h.userId)).overQuota).toBe(false);
  });
});

/** supertest's parser for a binary body (audio is not buffered as text). */
function binary(res: request.Response, done: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}
