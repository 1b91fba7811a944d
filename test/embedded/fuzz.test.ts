/**
 * A bounded mutation fuzzer against a Herald process (embedded mode): valid Pusher frames
 * (subscribe to every channel type, unsubscribe, ping, pong, client events, signin; with valid
 * and broken auth), mutated handshakes, and signed HTTP API requests (events, batch events,
 * channel queries, users, terminate connections, dead letters), each mutated a little. A few
 * thousand inputs, seeded: the seed is printed, and `FUZZ_SEED=<seed>` replays a run
 * (`FUZZ_BATCHES=<n>` makes it longer).
 *
 * What must hold, whatever came in: every frame Herald sends is a JSON object with an event,
 * and never "Internal server error"; a socket Herald closes gets a Pusher close code, 1000 or
 * 1009; a refused upgrade is a 4xx; no HTTP answer is a 5xx, and every 4xx under /apps is
 * `{"error": "…"}` JSON; after each batch a fresh pusher-js client connects, subscribes and
 * receives an event; the process never exits and never logs an error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { PusherErrors } from '../../services/core/src/protocol/errors';
import { signChannelAuth, signUserAuth } from '../../services/core/src/signing/socket-auth';
import { type HeraldProcess, startHeraldProcess } from '../helpers/herald-process';
import { type Json, mutatedText, mutateJson } from '../helpers/json-mutator';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { fuzzSeed, SeededRandom } from '../helpers/seeded-random';
import { signedUrl } from '../helpers/signed-request';
import { type TestApp, writeAppsFile } from '../helpers/test-herald';
import { within } from '../helpers/wait';

const APP: TestApp = { id: '4242', key: 'fuzz-key', secret: 'fuzz-secret', watchlistEvents: true, subscriptionCountEvents: true };
/** `FUZZ_BATCHES` runs longer hunts by hand; the suite runs 12 (a few thousand inputs). */
const BATCHES = Number(process.env.FUZZ_BATCHES ?? 12);
const SOCKETS_PER_BATCH = 4;
const FRAMES_PER_SOCKET = 40;
const REQUESTS_PER_BATCH = 150;
const HTTP_CONCURRENCY = 8;
/** A flooder is closed after two bursts of the default frame budget (2 × 2000) and what refilled meanwhile. */
const MAX_FLOOD_FRAMES = 40_000;

const ALLOWED_CLOSE_CODES = new Set<number>([1000, 1009, ...Object.values(PusherErrors).map((e) => e.code)]);

/** A WebSocket of the fuzzer: what Herald sent, and how it ended. */
interface FuzzSocket {
  readonly ws: WebSocket;
  readonly frames: Array<Record<string, unknown>>;
  /** Text Herald sent that is not a JSON object with an event. */
  readonly badFrames: string[];
  /** Set when Herald closed the socket (not the fuzzer). */
  serverClose?: { code: number; reason: string };
  /** Set when the upgrade was refused with an HTTP answer. */
  refusedStatus?: number;
  socketId: string;
  /** The fuzzer closed it (ws also calls close() itself to answer Herald's close frame). */
  closedByFuzzer: boolean;
  readonly sent: string[];
  readonly ended: Promise<void>;
}

function openSocket(url: string): Promise<FuzzSocket> {
  const ws = new WebSocket(url);
  let resolveEnded: () => void = () => undefined;
  const socket: FuzzSocket = {
    ws,
    frames: [],
    badFrames: [],
    socketId: '',
    closedByFuzzer: false,
    sent: [],
    ended: new Promise<void>((resolve) => {
      resolveEnded = resolve;
    }),
  };
  return new Promise<FuzzSocket>((resolve) => {
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_request, response) => {
      socket.refusedStatus = response.statusCode;
      response.resume();
      resolveEnded();
      resolve(socket);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const text = data.toString('utf8');
      try {
        const frame = JSON.parse(text) as Record<string, unknown>;
        if (isBinary || typeof frame !== 'object' || frame === null || typeof frame.event !== 'string') socket.badFrames.push(text);
        else socket.frames.push(frame);
        if (frame?.event === 'pusher:connection_established') {
          socket.socketId = (JSON.parse(frame.data as string) as { socket_id: string }).socket_id;
          resolve(socket);
        }
      } catch {
        socket.badFrames.push(text);
      }
    });
    ws.on('close', (code, reason) => {
      if (!socket.closedByFuzzer) socket.serverClose = { code, reason: reason.toString() };
      resolveEnded();
      resolve(socket);
    });
  });
}

/** Resolves once Herald has handled everything sent so far (a pong came back) or closed the socket (the close handshake done). */
async function settled(socket: FuzzSocket): Promise<void> {
  await answered(socket);
  if (socket.ws.readyState !== WebSocket.OPEN) await within(socket.ended, 'the close handshake', 10_000);
}

async function answered(socket: FuzzSocket): Promise<void> {
  if (socket.ws.readyState !== WebSocket.OPEN) return;
  const pongs = () => socket.frames.filter((f) => f.event === 'pusher:pong').length;
  const before = pongs();
  socket.ws.send(JSON.stringify({ event: 'pusher:ping', data: {} }));
  await within(
    new Promise<void>((resolve) => {
      const check = () => {
        if (pongs() > before || socket.ws.readyState !== WebSocket.OPEN) return resolve();
        setTimeout(check, 5);
      };
      check();
    }),
    'a pong after the fuzzed frames',
    10_000,
  );
}

/** Valid client frames for one socket, to be mutated; `keepsOpen`: none that closes the socket (a failed signin). */
function validFrame(random: SeededRandom, socket: FuzzSocket, n: number, keepsOpen = false): Json {
  const { socketId } = socket;
  const user = random.pick(['alice', 'bob', 'carol']);
  const channelData = JSON.stringify({ user_id: user, user_info: { name: user } });
  const userData = JSON.stringify({ id: user, watchlist: ['alice', 'bob'] });
  const templates: Array<() => Json> = [
    () => ({ event: 'pusher:ping', data: {} }),
    () => ({ event: 'pusher:pong', data: {} }),
    () => ({ event: 'pusher:subscribe', data: { channel: `public-${n}` } }),
    () => ({ event: 'pusher:subscribe', data: { channel: `cache-${n}` } }),
    () => ({ event: 'pusher:subscribe', data: { channel: `private-${n}`, auth: signChannelAuth(APP, socketId, `private-${n}`) } }),
    () => ({ event: 'pusher:subscribe', data: { channel: `private-encrypted-${n}`, auth: signChannelAuth(APP, socketId, `private-encrypted-${n}`) } }),
    () => ({ event: 'pusher:subscribe', data: { channel: `presence-${n}`, auth: signChannelAuth(APP, socketId, `presence-${n}`, channelData), channel_data: channelData } }),
    () => ({ event: 'pusher:subscribe', data: { channel: 'private-home', auth: `${APP.key}:${'0'.repeat(64)}` } }),
    () => ({ event: 'pusher:subscribe', data: { channel: `#server-to-user-${user}` } }),
    () => ({ event: 'pusher:unsubscribe', data: { channel: random.pick(['private-home', 'presence-home', `public-${n}`]) } }),
    () => ({ event: 'client-typing', channel: 'private-home', data: { text: 'hi', n } }),
    () => ({ event: 'client-moved', channel: 'presence-home', data: JSON.stringify({ x: n }) }),
  ];
  const signins: Array<() => Json> = [
    () => ({ event: 'pusher:signin', data: { auth: signUserAuth(APP, socketId, userData), user_data: userData } }),
    () => ({ event: 'pusher:signin', data: { auth: `${APP.key}:${'f'.repeat(64)}`, user_data: userData } }),
  ];
  return random.pick(keepsOpen ? templates : [...templates, ...signins])();
}

/** Sends one mutated (or, sometimes, intact) frame. */
function sendFuzzed(random: SeededRandom, socket: FuzzSocket, n: number): void {
  if (socket.ws.readyState !== WebSocket.OPEN) return;
  const roll = random.next();
  let payload: string | Buffer;
  let binary = false;
  if (roll < 0.03) {
    payload = Buffer.from(JSON.stringify({ event: 'pusher:ping', data: {} }));
    binary = true;
  } else if (roll < 0.04) {
    payload = JSON.stringify({ event: 'client-big', channel: 'private-home', data: 'x'.repeat(70_000) }); // over maxFrameBytes: 1009
  } else {
    const frame = validFrame(random, socket, n);
    payload = random.chance(0.15) ? JSON.stringify(frame) : mutatedText(random, frame, 1 + random.int(3));
  }
  socket.sent.push(typeof payload === 'string' ? payload.slice(0, 300) : `<binary ${payload.length} bytes>`);
  socket.ws.send(payload, { binary });
}

/** The connection URL, mutated in one place sometimes. */
function handshakeUrl(random: SeededRandom, port: number): string {
  let key = APP.key;
  let path = '/app/';
  const params: Record<string, string> = { protocol: '7', client: 'js', version: '8.4.0' };
  switch (random.int(7)) {
    case 0:
      key = uriEncode(mutatedText(random, key, 1).replace(/^"|"$/g, ''));
      break;
    case 1:
      params.protocol = random.pick(['', '0', '3', '4', '6', '8', '7.5', 'seven', '-1', '99999999999999999999']);
      break;
    case 2:
      delete params.protocol;
      params.version = random.pick(['', 'x', '1.2', '8.4.0.0', '9'.repeat(200)]);
      break;
    case 3:
      path = random.pick(['/app', '/app//', '/apps/', '/app/%2e%2e/']);
      break;
    case 4:
      params[random.pick(['protocol', 'client', 'version', 'extra'])] = uriEncode(mutatedText(random, 'x', 2));
      break;
    default:
      break;
  }
  return `ws://127.0.0.1:${port}${path}${key}?${new URLSearchParams(params)}`;
}

/** What a fuzzed socket broke, if anything, with the input that did it. */
function socketProblems(socket: FuzzSocket, what: string): string[] {
  const problems: string[] = [];
  const inputs = `inputs (first 300 characters each):\n  ${socket.sent.join('\n  ')}`;
  if (socket.refusedStatus !== undefined && (socket.refusedStatus < 400 || socket.refusedStatus >= 500)) {
    problems.push(`${what}: upgrade answered HTTP ${socket.refusedStatus}`);
  }
  if (socket.serverClose && !ALLOWED_CLOSE_CODES.has(socket.serverClose.code)) {
    problems.push(`${what}: closed with ${socket.serverClose.code} (${socket.serverClose.reason}); ${inputs}`);
  }
  if (socket.badFrames.length > 0) problems.push(`${what}: sent frames that are not Pusher JSON: ${socket.badFrames.slice(0, 3).join(' | ')}; ${inputs}`);
  const internal = socket.frames.filter((f) => JSON.stringify(f.data ?? '').includes('Internal server error'));
  if (internal.length > 0) problems.push(`${what}: ${internal.length} "Internal server error" answers; ${inputs}`);
  return problems;
}

interface FuzzedRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
  readonly params: Record<string, string>;
}

/** encodeURIComponent throws on a lone surrogate, which mutations make: UTF-8 turns it into U+FFFD first, as a client's URL encoder would. */
const uriEncode = (value: string) => encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'));

const segment = (random: SeededRandom, value: string) => (random.chance(0.8) ? uriEncode(value) : value.replace(/[#?/\s]/g, '_'));

/** A valid signed API request, then mutated in its body, path, parameters or method. */
function fuzzedRequest(random: SeededRandom, n: number): FuzzedRequest {
  const app = `/apps/${APP.id}`;
  const event = (): Json => ({ name: `event-${n}`, channel: `public-${n % 7}`, data: JSON.stringify({ n }) });
  const templates: Array<() => { method: 'GET' | 'POST'; path: string; body?: Json; params?: Record<string, string>; name?: string }> = [
    () => ({ method: 'POST', path: `${app}/events`, body: { name: 'e', channels: ['public-1', 'presence-home'], data: '{"a":1}', info: 'subscription_count' } }),
    () => ({ method: 'POST', path: `${app}/events`, body: { name: 'e', channel: 'private-home', data: { nested: [1, 2] }, socket_id: '123.456' } }),
    () => ({ method: 'POST', path: `${app}/batch_events`, body: { batch: [event(), event(), { ...(event() as object), info: 'subscription_count' }] } }),
    () => ({ method: 'GET', path: `${app}/channels`, params: { filter_by_prefix: 'presence-', info: 'user_count' } }),
    () => ({ method: 'GET', path: `${app}/channels`, params: {} }),
    () => ({ method: 'GET', path: `${app}/channels/`, name: random.pick(['presence-home', 'public-1', 'cache-1']), params: { info: 'user_count,subscription_count' } }),
    () => ({ method: 'GET', path: `${app}/channels/`, name: 'presence-home', params: {} }),
    () => ({ method: 'POST', path: `${app}/users/`, name: random.pick(['alice', 'bob']), body: {} }),
    () => ({ method: 'POST', path: '/users/', name: 'carol', body: {} }),
    () => ({ method: 'GET', path: `${app}/webhooks/dead_letters`, params: {} }),
    () => ({ method: 'POST', path: `${app}/webhooks/dead_letters/replay`, body: {} }),
  ];
  const template = random.pick(templates)();
  let name = template.name;
  let body = template.body === undefined ? undefined : JSON.stringify(template.body);
  const params = { ...template.params };
  let method = template.method;
  const roll = random.next();
  if (roll < 0.45 && template.body !== undefined) body = mutatedText(random, template.body, 1 + random.int(3));
  else if (roll < 0.65 && name !== undefined) name = mutatedText(random, name, 1).replace(/^"|"$/g, '');
  else if (roll < 0.85) {
    const key = random.pick([...Object.keys(params), 'info', 'filter_by_prefix', 'extra']);
    const value = mutateJson(random, params[key] ?? 'x');
    params[key] = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  } else if (roll < 0.9) method = method === 'GET' ? 'POST' : 'GET';
  let path = template.path;
  if (name !== undefined) path += segment(random, name) + (path.endsWith('/users/') ? '/terminate_connections' : path.endsWith('/channels/') && random.chance(0.3) ? '/users' : '');
  if (method === 'GET') body = undefined;
  return { method, path, body, params };
}

/** Sends the request signed, or, sometimes, with its signature broken in one way. */
async function send(random: SeededRandom, port: number, request: FuzzedRequest): Promise<{ status: number; text: string; contentType: string } | undefined> {
  const roll = random.next();
  const options = {
    method: request.method,
    path: request.path,
    body: request.body,
    params: request.params,
    ...(roll < 0.04 ? { secret: 'wrong-secret' } : {}),
    ...(roll >= 0.04 && roll < 0.07 ? { timestamp: Math.floor(Date.now() / 1000) - 3600 } : {}),
    ...(roll >= 0.07 && roll < 0.1 ? { override: { body_md5: random.pick([undefined, '0', 'x'.repeat(32)]) } } : {}),
    ...(roll >= 0.1 && roll < 0.12 ? { override: { auth_key: random.pick([undefined, 'other-key', '']) } } : {}),
  };
  let url: string;
  try {
    url = signedUrl({ port }, APP, options);
    new URL(url);
  } catch {
    return undefined; // not a URL at all: nothing a client could send
  }
  const response = await fetch(url, {
    method: request.method,
    body: request.body,
    headers: request.body === undefined ? {} : { 'content-type': 'application/json' },
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, text: await response.text(), contentType: response.headers.get('content-type') ?? '' };
}

function responseProblem(request: FuzzedRequest, response: { status: number; text: string; contentType: string }): string | undefined {
  const described = `${request.method} ${request.path} ${JSON.stringify(request.params)} body ${request.body?.slice(0, 300)}`;
  if (response.status >= 500) return `HTTP ${response.status} ${response.text.slice(0, 300)} for ${described}`;
  if (response.status >= 400 && request.path.startsWith('/apps/')) {
    let error: unknown;
    try {
      error = (JSON.parse(response.text) as { error?: unknown }).error;
    } catch {
      error = undefined;
    }
    if (typeof error !== 'string' || !response.contentType.startsWith('application/json')) {
      return `HTTP ${response.status} without a JSON {"error"} body (${response.contentType}: ${response.text.slice(0, 200)}) for ${described}`;
    }
  }
  return undefined;
}

describe('fuzzing frames and API requests', () => {
  const seed = fuzzSeed();
  const random = new SeededRandom(seed);
  let herald: HeraldProcess;
  before(async () => {
    console.log(`# fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`);
    herald = await startHeraldProcess({ command: 'embedded', nats: [], appsFile: writeAppsFile([APP]), name: `fuzz-${seed}` });
  });
  after(async () => {
    await herald?.kill('SIGTERM');
  });

  it(`${BATCHES} batches of mutated frames, handshakes and signed requests: Herald answers each in protocol and keeps serving`, async () => {
    const problems: string[] = [];
    let frames = 0;
    let requests = 0;
    const statuses = new Map<number, number>();
    const closes = new Map<string, number>();
    for (let batch = 0; batch < BATCHES; batch++) {
      // WebSockets: a few sockets, each on two channels of its own, then mutated frames.
      const sockets: FuzzSocket[] = [];
      for (let s = 0; s < SOCKETS_PER_BATCH; s++) {
        const socket = await openSocket(`ws://127.0.0.1:${herald.port}/app/${APP.key}?protocol=7&client=js&version=8.4.0`);
        assert.ok(socket.socketId, `socket ${s} of batch ${batch} was established (${JSON.stringify(socket.serverClose ?? socket.refusedStatus)})`);
        const channelData = JSON.stringify({ user_id: `user-${s}` });
        socket.ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'private-home', auth: signChannelAuth(APP, socket.socketId, 'private-home') } }));
        socket.ws.send(
          JSON.stringify({
            event: 'pusher:subscribe',
            data: { channel: 'presence-home', auth: signChannelAuth(APP, socket.socketId, 'presence-home', channelData), channel_data: channelData },
          }),
        );
        sockets.push(socket);
      }
      await Promise.all(sockets.map(settled));
      for (let i = 0; i < FRAMES_PER_SOCKET; i++) {
        for (const socket of sockets) {
          sendFuzzed(random, socket, batch * 1000 + i);
          frames += 1;
        }
      }
      // Every third batch, one more socket floods valid frames of every kind that keeps a socket
      // open, past its frame budget: it must be closed with 4100.
      if (batch % 3 === 0) {
        const flooder = await openSocket(`ws://127.0.0.1:${herald.port}/app/${APP.key}?protocol=7&client=js&version=8.4.0`);
        // Until Herald closes it: the bucket refills (100/s) while Herald works through the flood.
        let flooded = 0;
        const flooding = Date.now();
        while (flooder.ws.readyState === WebSocket.OPEN && flooded < MAX_FLOOD_FRAMES) {
          for (let i = 0; i < 500; i++) flooder.ws.send(JSON.stringify(validFrame(random, flooder, flooded + i, true)));
          flooded += 500;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await within(flooder.ended, 'the flooder to be closed', 20_000);
        console.log(`# flood of batch ${batch}: ${flooded} frames, ${flooder.frames.length} answers, ${Date.now() - flooding} ms, close ${flooder.serverClose?.code}`);
        if (flooder.serverClose?.code !== 4100) problems.push(`batch ${batch}: the flooder ended with ${JSON.stringify(flooder.serverClose)} after ${flooded} frames, not 4100`);
        frames += flooded;
        sockets.push(flooder);
      }
      const handshakes = await Promise.all(Array.from({ length: 3 }, () => openSocket(handshakeUrl(random, herald.port))));
      await Promise.all([...sockets, ...handshakes].map(settled));
      for (const socket of [...sockets, ...handshakes]) {
        const code = socket.serverClose?.code ?? (socket.refusedStatus === undefined ? 'open' : `HTTP ${socket.refusedStatus}`);
        closes.set(String(code), (closes.get(String(code)) ?? 0) + 1);
      }
      for (const [i, socket] of sockets.entries()) problems.push(...socketProblems(socket, `batch ${batch} socket ${i}`));
      for (const [i, socket] of handshakes.entries()) problems.push(...socketProblems(socket, `batch ${batch} handshake ${i} (${socket.ws.url})`));
      for (const socket of [...sockets, ...handshakes]) {
        socket.closedByFuzzer = true;
        socket.ws.close();
      }

      // Signed HTTP API requests, a few at a time.
      for (let i = 0; i < REQUESTS_PER_BATCH; i += HTTP_CONCURRENCY) {
        const round = Array.from({ length: Math.min(HTTP_CONCURRENCY, REQUESTS_PER_BATCH - i) }, () => fuzzedRequest(random, batch * 1000 + i));
        const answers = await Promise.all(round.map((request) => send(random, herald.port, request)));
        answers.forEach((answer, j) => {
          if (!answer) return;
          requests += 1;
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const problem = responseProblem(round[j], answer);
          if (problem) problems.push(`batch ${batch}: ${problem}`);
        });
      }

      // A fresh pusher-js client still gets served.
      const client = await connectedClient({ port: herald.port }, APP);
      try {
        const channelName = `health-${batch}`;
        const channel = await subscribed(client, channelName);
        const arrived = nextEvent(channel, 'alive');
        await serverSdk({ port: herald.port }, APP).trigger(channelName, 'alive', { batch });
        assert.deepEqual(await arrived, { batch }, `batch ${batch}: a fresh pusher-js client is served`);
      } finally {
        client.disconnect();
      }
      assert.deepEqual(problems, [], `batch ${batch} (seed ${seed})`);
    }
    console.log(
      `# fuzz: ${frames} frames, ${BATCHES * 3} handshakes, ${requests} requests; HTTP statuses ${JSON.stringify(Object.fromEntries(statuses))}; sockets ended ${JSON.stringify(Object.fromEntries(closes))}`,
    );
    assert.ok(frames + requests > 2000, 'a few thousand inputs');

    const errors = herald
      .logs()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    assert.deepEqual(errors, [], `Herald logged errors (seed ${seed})`);
    assert.equal((await fetch(`http://127.0.0.1:${herald.port}/healthz`)).status, 200, 'the process is up');
  });
});
