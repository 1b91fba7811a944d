// Fan-out: SUBSCRIBERS connections on one public channel; the HTTP API publishes RATE events
// per second for DURATION seconds (signed, as the server SDKs do). Every subscriber checks
// that it got every publish (sequence numbers) and records publish → receipt latency.
//
//   k6 run -e WS_URL=wss://herald.example.com -e API_URL=https://herald-api.example.com \
//          -e APP_ID=… -e APP_KEY=… -e APP_SECRET=… \
//          -e SUBSCRIBERS=5000 -e RATE=10 -e DURATION=60 loadtest/k6/fanout.js
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
import { config, envInt, frameData, PusherClient, timestampedData, trigger } from './lib/pusher.js';

const SUBSCRIBERS = envInt('SUBSCRIBERS', 1000);
const PER_VU = envInt('CONNECTIONS_PER_VU', 50);
const RATE = envInt('RATE', 10);
const DURATION = envInt('DURATION', 60);
const CONNECT_SECONDS = envInt('CONNECT_SECONDS', 30);
const DRAIN_SECONDS = envInt('DRAIN_SECONDS', 10);
const CHANNEL = __ENV.CHANNEL || 'k6-fanout';
const PLANNED = RATE * DURATION;
const VUS = Math.ceil(SUBSCRIBERS / PER_VU);

const latency = new Trend('herald_delivery_latency', true);
const delivery = new Rate('herald_delivery');
const received = new Counter('herald_messages_received');
const subscribed = new Rate('herald_subscribe_success');
const connectTime = new Trend('herald_connect_time', true);
const unexpectedCloses = new Counter('herald_unexpected_closes');

export const options = {
  scenarios: {
    subscribers: {
      executor: 'per-vu-iterations',
      exec: 'subscribe',
      vus: VUS,
      iterations: 1,
      maxDuration: `${CONNECT_SECONDS + DURATION + DRAIN_SECONDS + 30}s`,
    },
    publisher: {
      executor: 'constant-arrival-rate',
      exec: 'publish',
      startTime: `${CONNECT_SECONDS}s`,
      rate: RATE,
      timeUnit: '1s',
      duration: `${DURATION}s`,
      preAllocatedVUs: Math.max(2, Math.ceil(RATE / 10)),
      maxVUs: Math.max(10, RATE),
    },
  },
  thresholds: {
    herald_delivery: ['rate>=0.999'],
    herald_delivery_latency: ['p(99)<100'],
    herald_subscribe_success: ['rate>=0.999'],
    herald_unexpected_closes: ['count==0'],
    'http_req_failed{scenario:publisher}': ['rate<0.001'],
    'dropped_iterations{scenario:publisher}': ['count==0'],
  },
};

export function subscribe() {
  const first = exec.scenario.iterationInTest * PER_VU;
  const count = Math.min(PER_VU, SUBSCRIBERS - first);
  const clients = [];
  for (let i = 0; i < count; i += 1) {
    const seen = new Set();
    clients.push(
      new PusherClient({
        established: (c) => {
          connectTime.add(Date.now() - c.openedAt);
          c.subscribe(CHANNEL);
        },
        subscribed: () => subscribed.add(true),
        subscriptionError: () => subscribed.add(false),
        event: (_c, frame) => {
          if (frame.channel !== CHANNEL || frame.event !== 'bench') return;
          const data = frameData(frame);
          latency.add(Date.now() - data.t);
          received.add(1);
          if (data.s < PLANNED && !seen.has(data.s)) {
            seen.add(data.s);
            delivery.add(true);
          }
        },
        closed: (c) => {
          if (!c.closing) unexpectedCloses.add(1);
          for (let missed = PLANNED - seen.size; missed > 0; missed -= 1) delivery.add(false);
        },
      }),
    );
  }
  // Hold every connection until the publisher is done and the last events had time to arrive.
  const holdMs = (CONNECT_SECONDS + DURATION + DRAIN_SECONDS) * 1000 - exec.instance.currentTestRunDuration;
  setTimeout(
    () => {
      for (const c of clients) c.close();
    },
    Math.max(0, holdMs),
  );
}

export function publish() {
  trigger(CHANNEL, 'bench', timestampedData(exec.scenario.iterationInTest, config.payloadBytes), { name: 'trigger' });
}
