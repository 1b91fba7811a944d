// Client events: PAIRS pairs of connections on private channels (auth signed here with the
// app secret), each connection sending client events to its partner at RATE_PER_CONNECTION per
// second (Pusher allows 10) for DURATION seconds. Pusher does not echo client events, so each
// receiver checks its partner's sequence numbers for gaps and records send → receipt latency.
//
//   k6 run -e WS_URL=wss://herald.example.com -e APP_KEY=… -e APP_SECRET=… \
//          -e PAIRS=1000 -e RATE_PER_CONNECTION=5 -e DURATION=60 loadtest/k6/client-events.js
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import { clearInterval, setInterval, setTimeout } from 'k6/timers';
import { channelAuth, config, envInt, frameData, PusherClient, timestampedData } from './lib/pusher.js';

const PAIRS = envInt('PAIRS', 250);
const PAIRS_PER_VU = envInt('PAIRS_PER_VU', 25);
const RATE = envInt('RATE_PER_CONNECTION', 5);
const DURATION = envInt('DURATION', 60);
const DRAIN_SECONDS = envInt('DRAIN_SECONDS', 5);
if (RATE > 10) throw new Error('RATE_PER_CONNECTION: Pusher allows at most 10 client events per second per connection');

const latency = new Trend('herald_client_event_latency', true);
const delivery = new Rate('herald_client_event_delivery');
const sent = new Counter('herald_client_events_sent');
const subscribed = new Rate('herald_subscribe_success');
const errors = new Counter('herald_errors');

export const options = {
  scenarios: {
    pairs: {
      executor: 'per-vu-iterations',
      vus: Math.ceil(PAIRS / PAIRS_PER_VU),
      iterations: 1,
      maxDuration: `${DURATION + DRAIN_SECONDS + 60}s`,
    },
  },
  thresholds: {
    herald_client_event_delivery: ['rate>=0.999'],
    herald_client_event_latency: ['p(99)<100'],
    herald_subscribe_success: ['rate>=0.999'],
    herald_errors: ['count==0'],
  },
};

function member(channel, pair) {
  let seq = 0;
  let nextExpected = 0;
  let timer = null;
  const client = new PusherClient({
    established: (c) => c.subscribe(channel, channelAuth(c.socketId, channel)),
    subscribed: () => {
      subscribed.add(true);
      pair.ready += 1;
    },
    subscriptionError: () => subscribed.add(false),
    event: (_c, frame) => {
      if (frame.event !== 'client-bench') return;
      const data = frameData(frame);
      latency.add(Date.now() - data.t);
      for (; nextExpected < data.s; nextExpected += 1) delivery.add(false);
      if (data.s >= nextExpected) {
        delivery.add(true);
        nextExpected = data.s + 1;
      }
    },
    error: (_c, code) => errors.add(1, { code }),
  });
  return {
    client,
    start() {
      timer = setInterval(() => {
        client.sendClientEvent(channel, 'client-bench', timestampedData(seq, config.payloadBytes));
        seq += 1;
        sent.add(1);
      }, 1000 / RATE);
    },
    stop() {
      if (timer !== null) clearInterval(timer);
      return seq;
    },
    /** After the drain: the partner's events that never arrived. */
    countTail(partnerSent) {
      for (; nextExpected < partnerSent; nextExpected += 1) delivery.add(false);
    },
  };
}

export default function () {
  const first = exec.scenario.iterationInTest * PAIRS_PER_VU;
  for (let p = first; p < Math.min(first + PAIRS_PER_VU, PAIRS); p += 1) {
    const channel = `private-k6-chat-${p}`;
    const pair = { ready: 0 };
    const a = member(channel, pair);
    const b = member(channel, pair);
    const readyBy = Date.now() + 30000;
    const startWhenReady = setInterval(() => {
      if (pair.ready < 2) {
        if (Date.now() < readyBy) return;
        // A member never subscribed: give up on this pair (herald_subscribe_success shows it).
        clearInterval(startWhenReady);
        a.client.close();
        b.client.close();
        return;
      }
      clearInterval(startWhenReady);
      a.start();
      b.start();
      setTimeout(() => {
        const sentByA = a.stop();
        const sentByB = b.stop();
        setTimeout(() => {
          b.countTail(sentByA);
          a.countTail(sentByB);
          a.client.close();
          b.client.close();
        }, DRAIN_SECONDS * 1000);
      }, DURATION * 1000);
    }, 100);
  }
}
