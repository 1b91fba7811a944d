import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { startTestHerald, type TestHerald } from '../helpers/test-herald';

describe('smoke', () => {
  let herald: TestHerald;
  before(async () => {
    herald = await startTestHerald();
  });
  after(() => herald.stop());

  it('delivers an event triggered with the pusher SDK to a pusher-js subscriber', async () => {
    const app = herald.apps[0];
    const client = await connectedClient(herald, app);
    try {
      const channel = await subscribed(client, 'news');
      const received = nextEvent(channel, 'headline');
      const response = await serverSdk(herald, app).trigger('news', 'headline', { title: 'hello' });
      assert.equal(response.status, 200);
      assert.deepEqual(await received, { title: 'hello' });
    } finally {
      client.disconnect();
    }
  });
});
