import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { type TwilioSetup, resolveTwilioSetup } from '../../src/sim/embedded.js';
import { SIM_ACCOUNT_SID, SIM_CALLER_ID } from '../../src/sim/simulator.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';

let setup: TwilioSetup | undefined;
afterEach(async () => {
  await setup?.simulator?.close();
  setup = undefined;
});

describe('resolveTwilioSetup', () => {
  it('without credentials starts the simulator in-process and the real SDK talks to it', async () => {
    setup = await resolveTwilioSetup(loadConfig({ SIM_PORT: '0', SIM_SPEED: '1000' }));
    expect(setup).toMatchObject({ accountSid: SIM_ACCOUNT_SID, callerId: SIM_CALLER_ID });
    expect(setup.apiBase).toBe(setup.simulator!.url);
    const client = createTwilioClient(setup);
    const call = await client.calls.create({ to: '+15005550200', from: setup.callerId!, twiml: '<Response/>' });
    await setup.simulator!.control.waitForIdle();
    expect((await client.calls(call.sid).fetch()).status).toBe('busy');
  });

  it('without credentials but with TWILIO_API_BASE uses that simulator and starts none', async () => {
    setup = await resolveTwilioSetup(loadConfig({ TWILIO_API_BASE: 'http://127.0.0.1:3001' }));
    expect(setup).toMatchObject({ apiBase: 'http://127.0.0.1:3001', accountSid: SIM_ACCOUNT_SID, simulator: undefined });
  });

  it('with real credentials changes nothing', async () => {
    const sid = 'AC' + '1'.repeat(32);
    setup = await resolveTwilioSetup(loadConfig({ TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: 'tok', TWILIO_CALLER_ID: '+14155550100' }));
    expect(setup).toEqual({ accountSid: sid, authToken: 'tok', apiBase: undefined, callerId: '+14155550100', verifyServiceSid: undefined, simulator: undefined });
    expect(createTwilioClient(setup).api.baseUrl).toBe('https://api.twilio.com');
  });
});
