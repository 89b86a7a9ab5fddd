import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/sim/simulator.js';
import { SimulatedNetwork } from '../../tools/storm/network.js';
import { countNotices } from '../../tools/storm/report.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { startReceiver } from '../sim/helpers/receiver.js';

// A call whose answer TwiML never came back ends before our <Dial>: the storm reports it from the simulator's debugger.
describe("the storm's Twilio notices", () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, speed: 1000 });
  });
  afterAll(() => sim.close());

  it('counts what the simulator noticed, by code and in words', async () => {
    const network = new SimulatedNetwork(sim.url, new Set());
    expect(countNotices(await network.notices())).toEqual({});
    const closed = await startReceiver(sim.authToken);
    const deadUrl = closed.url('/nothing-listens');
    await closed.close();
    const client = createTwilioClient({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url });
    await client.calls.create({ to: '+15005550100', from: '+15005550006', url: deadUrl });
    await sim.control.waitForIdle();
    expect(countNotices(await network.notices())).toEqual({ '11205 TwiML request timed out or could not connect': 1 });
  });

  it('keeps codes it has no words for', () => {
    expect(countNotices([{ code: 13223 }, { code: 15003 }, { code: 13223 }])).toEqual({ '13223': 2, '15003 status callback not delivered': 1 });
  });
});
