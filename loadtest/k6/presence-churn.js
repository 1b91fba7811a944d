// Presence churn: MEMBERS connections, MEMBERS_PER_CHANNEL per presence channel (Pusher allows
// 100), each joining with channel auth and channel_data signed here with the app secret (as
// an app's auth endpoint would), staying 1–MAX_STAY seconds, leaving, and joining again, for
// DURATION seconds. Measures join time (subscribe → subscription_succeeded) and join →
// member_added at the other members.
//
//   k6 run -e WS_URL=wss://herald.example.com -e APP_KEY=… -e APP_SECRET=… \
//          -e MEMBERS=2000 -e DURATION=120 loadtest/k6/presence-churn.js
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
import { channelAuth, envInt, frameData, PusherClient } from './lib/pusher.js';

const MEMBERS = envInt('MEMBERS', 500);
const PER_CHANNEL = envInt('MEMBERS_PER_CHANNEL', 50);
const PER_VU = envInt('CONNECTIONS_PER_VU', 25);
const DURATION = envInt('DURATION', 60);
const MAX_STAY = envInt('MAX_STAY', 5);

const joinTime = new Trend('herald_join_time', true);
const memberAddedLatency = new Trend('herald_member_added_latency', true);
const joinSuccess = new Rate('herald_join_success');
const memberAdded = new Counter('herald_member_added');
const memberRemoved = new Counter('herald_member_removed');
const unexpectedCloses = new Counter('herald_unexpected_closes');

export const options = {
  scenarios: {
    members: {
      executor: 'per-vu-iterations',
      vus: Math.ceil(MEMBERS / PER_VU),
      iterations: 1,
      maxDuration: `${DURATION + 60}s`,
    },
  },
  thresholds: {
    herald_join_success: ['rate>=0.999'],
    herald_join_time: ['p(99)<500'],
    herald_member_added_latency: ['p(99)<500'],
    herald_unexpected_closes: ['count==0'],
  },
};

export default function () {
  const first = exec.scenario.iterationInTest * PER_VU;
  const endAt = Date.now() + DURATION * 1000;
  for (let i = first; i < Math.min(first + PER_VU, MEMBERS); i += 1) {
    const channel = `presence-k6-${Math.floor(i / PER_CHANNEL)}`;
    let joins = 0;
    let joinSentAt = 0;
    const join = (c) => {
      joins += 1;
      const channelData = JSON.stringify({ user_id: `k6-user-${i}`, user_info: { j: Date.now(), n: joins } });
      joinSentAt = Date.now();
      c.subscribe(channel, channelAuth(c.socketId, channel, channelData), channelData);
    };
    new PusherClient({
      established: (c) => join(c),
      subscribed: (c) => {
        joinTime.add(Date.now() - joinSentAt);
        joinSuccess.add(true);
        const stay = 1000 + Math.random() * (MAX_STAY - 1) * 1000;
        setTimeout(() => {
          if (Date.now() + 1000 >= endAt) return c.close();
          c.unsubscribe(channel);
          setTimeout(() => join(c), 100 + Math.random() * 400);
        }, stay);
      },
      subscriptionError: (c) => {
        joinSuccess.add(false);
        c.close();
      },
      event: (_c, frame) => {
        if (frame.event === 'pusher_internal:member_added') {
          memberAdded.add(1);
          const info = frameData(frame).user_info;
          if (info && typeof info.j === 'number') memberAddedLatency.add(Date.now() - info.j);
        } else if (frame.event === 'pusher_internal:member_removed') {
          memberRemoved.add(1);
        }
      },
      closed: (c) => {
        if (!c.closing) unexpectedCloses.add(1);
      },
    });
  }
}
