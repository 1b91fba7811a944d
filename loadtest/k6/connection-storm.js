// Connection storm: CONNECTIONS connections opened at once (spread over VUs, each VU opens
// CONNECTIONS_PER_VU without waiting), each subscribing to a public channel, held HOLD
// seconds, then closed. Set-up rate = herald_connections_established / max of
// herald_storm_established_at_s (when the last connection was up, in seconds from the start).
//
//   k6 run -e WS_URL=wss://herald.example.com -e APP_KEY=… -e CONNECTIONS=20000 loadtest/k6/connection-storm.js
import exec from 'k6/execution';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
import { envInt, PusherClient } from './lib/pusher.js';

const CONNECTIONS = envInt('CONNECTIONS', 5000);
const PER_VU = envInt('CONNECTIONS_PER_VU', 100);
const HOLD = envInt('HOLD', 10);
const CHANNELS = envInt('CHANNELS', 100);

const connectTime = new Trend('herald_connect_time', true);
const subscribeTime = new Trend('herald_subscribe_time', true);
const success = new Rate('herald_connect_success');
const established = new Counter('herald_connections_established');
const establishedAt = new Gauge('herald_storm_established_at_s');
const errors = new Counter('herald_errors');

export const options = {
  scenarios: {
    storm: {
      executor: 'per-vu-iterations',
      vus: Math.ceil(CONNECTIONS / PER_VU),
      iterations: 1,
      maxDuration: `${HOLD + 120}s`,
    },
  },
  thresholds: {
    herald_connect_success: ['rate>=0.999'],
    herald_connect_time: ['p(99)<2000'],
    herald_subscribe_time: ['p(99)<1000'],
  },
};

export default function () {
  const first = exec.scenario.iterationInTest * PER_VU;
  const clients = [];
  for (let i = first; i < Math.min(first + PER_VU, CONNECTIONS); i += 1) {
    const channel = `k6-storm-${i % CHANNELS}`;
    let subscribeSentAt = 0;
    let done = false;
    clients.push(
      new PusherClient({
        established: (c) => {
          connectTime.add(Date.now() - c.openedAt);
          subscribeSentAt = Date.now();
          c.subscribe(channel);
        },
        subscribed: () => {
          subscribeTime.add(Date.now() - subscribeSentAt);
          established.add(1);
          establishedAt.add(exec.instance.currentTestRunDuration / 1000);
          success.add(true);
          done = true;
        },
        subscriptionError: () => {
          success.add(false);
          done = true;
        },
        error: (_c, code) => errors.add(1, { code }),
        closed: () => {
          if (!done) success.add(false);
          done = true;
        },
      }),
    );
  }
  setTimeout(() => {
    for (const c of clients) c.close();
  }, HOLD * 1000);
}
