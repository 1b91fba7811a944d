// Many channels: CHANNELS connections, each on its own public channel; the HTTP API publishes
// RATE events per second round-robin over the channels for DURATION seconds. Each subscriber
// knows which sequence numbers are its own (seq % CHANNELS) and counts the ones it missed.
//
//   k6 run -e WS_URL=wss://herald.example.com -e API_URL=https://herald-api.example.com \
//          -e APP_ID=… -e APP_KEY=… -e APP_SECRET=… \
//          -e CHANNELS=5000 -e RATE=500 -e DURATION=60 loadtest/k6/many-channels.js
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
import { config, envInt, frameData, PusherClient, timestampedData, trigger } from './lib/pusher.js';

const CHANNELS = envInt('CHANNELS', 1000);
const PER_VU = envInt('CONNECTIONS_PER_VU', 50);
const RATE = envInt('RATE', 100);
const DURATION = envInt('DURATION', 60);
const CONNECT_SECONDS = envInt('CONNECT_SECONDS', 30);
const DRAIN_SECONDS = envInt('DRAIN_SECONDS', 10);
const PLANNED = RATE * DURATION;
const channelName = (i) => `k6-mc-${i}`;

const latency = new Trend('herald_delivery_latency', true);
const delivery = new Rate('herald_delivery');
const received = new Counter('herald_messages_received');
const subscribed = new Rate('herald_subscribe_success');
const unexpectedCloses = new Counter('herald_unexpected_closes');

export const options = {
  scenarios: {
    subscribers: {
      executor: 'per-vu-iterations',
      exec: 'subscribe',
      vus: Math.ceil(CHANNELS / PER_VU),
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
      preAllocatedVUs: Math.max(2, Math.ceil(RATE / 20)),
      maxVUs: Math.max(10, Math.ceil(RATE / 2)),
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

/** How many of the planned publishes go to channel i (publish n goes to channel n % CHANNELS). */
function plannedFor(i) {
  return PLANNED > i ? Math.floor((PLANNED - 1 - i) / CHANNELS) + 1 : 0;
}

export function subscribe() {
  const first = exec.scenario.iterationInTest * PER_VU;
  const clients = [];
  for (let i = first; i < Math.min(first + PER_VU, CHANNELS); i += 1) {
    const channel = channelName(i);
    const seen = new Set();
    clients.push(
      new PusherClient({
        established: (c) => c.subscribe(channel),
        subscribed: () => subscribed.add(true),
        subscriptionError: () => subscribed.add(false),
        event: (_c, frame) => {
          if (frame.channel !== channel || frame.event !== 'bench') return;
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
          for (let missed = plannedFor(i) - seen.size; missed > 0; missed -= 1) delivery.add(false);
        },
      }),
    );
  }
  const holdMs = (CONNECT_SECONDS + DURATION + DRAIN_SECONDS) * 1000 - exec.instance.currentTestRunDuration;
  setTimeout(
    () => {
      for (const c of clients) c.close();
    },
    Math.max(0, holdMs),
  );
}

export function publish() {
  const seq = exec.scenario.iterationInTest;
  trigger(channelName(seq % CHANNELS), 'bench', timestampedData(seq, config.payloadBytes), { name: 'trigger' });
}
