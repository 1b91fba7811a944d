/**
 * Mutations of valid JSON messages for fuzzing: a value somewhere replaced by one of a list of
 * troublemakers (wrong types, huge or deep values, reserved and malformed names), a key
 * dropped or added, a string edited; and mutations of the serialised text (cut, spliced,
 * characters inserted). Only valid UTF-8 comes out: an invalid text frame is the WebSocket
 * layer's business (1007), not Pusher's.
 */
import type { SeededRandom } from './seeded-random';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function nested(depth: number): Json {
  let value: Json = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

/** Values that have broken servers before, and the names Pusher reserves. */
function troublemaker(random: SeededRandom): Json {
  const choices: Array<() => Json> = [
    () => null,
    () => true,
    () => 0,
    () => -1,
    () => 1.5,
    () => 2 ** 53 + 1,
    () => -(2 ** 31),
    () => 1e308,
    () => '',
    () => ' ',
    () => 'x'.repeat(random.pick([100, 165, 200, 201, 1000, 11_000])),
    () => '\u0000\u0001\u001f',
    () => '\ud83d\udca5 ünïcødé €',
    () => '%00%ZZ%2e%2e/',
    () => '../../etc/passwd',
    () => '#server-to-user-1',
    () => random.pick(['private-', 'presence-', 'private-encrypted-', 'cache-', 'private-cache-', 'presence-cache-', 'private-encrypted-cache-']),
    () => `${random.pick(['private-', 'presence-', 'cache-', ''])}${random.pick(['a', 'a b', 'a*b', 'ü', 'a.b;c=d@e,f', '-', '_'])}`,
    () => random.pick(['pusher:ping', 'pusher:subscribe', 'pusher_internal:member_added', 'pusher:signin', 'client-', 'client-x', 'pusher:', 'pusher_internal:']),
    () => '{"user_id":"u","user_info":{}}',
    () => '{"id":"u","watchlist":["a","b"]}',
    () => '{not json',
    () => '123.456',
    () => [],
    () => {
      return {};
    },
    () => Array.from({ length: random.pick([2, 101, 1000]) }, (_, i) => `ch-${i}`),
    () => nested(random.pick([10, 129, 2000])),
    // Own keys named like Object.prototype's members (JSON.parse makes "__proto__" an own key).
    () => JSON.parse('{"__proto__":{"polluted":true},"constructor":"x","toString":1,"hasOwnProperty":null}') as Json,
  ];
  return random.pick(choices)();
}

function mutateString(random: SeededRandom, value: string): string {
  const at = random.int(value.length + 1);
  switch (random.int(6)) {
    case 0:
      return value.slice(0, at);
    case 1:
      return value.slice(0, at) + random.pick([' ', '"', '\\', '\u0000', 'é', '💥', '%', '#', ':', ',', '\n']) + value.slice(at);
    case 2:
      return value.slice(0, at) + value.slice(at + 1);
    case 3:
      return value + value;
    case 4:
      return value.toUpperCase();
    default:
      return random.pick(['private-', 'presence-', 'cache-', '#', 'client-', 'pusher:']) + value;
  }
}

/** `value` with one mutation somewhere inside it. */
export function mutateJson(random: SeededRandom, value: Json): Json {
  if (typeof value === 'string' && random.chance(0.6)) return mutateString(random, value);
  if (Array.isArray(value) && value.length > 0 && random.chance(0.7)) {
    const copy = [...value];
    const i = random.int(copy.length);
    if (random.chance(0.2)) copy.splice(i, 1);
    else copy[i] = mutateJson(random, copy[i]);
    return copy;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && random.chance(0.85)) {
    const copy: { [key: string]: Json } = { ...value };
    const keys = Object.keys(copy);
    const roll = random.next();
    if (roll < 0.15 && keys.length > 0) delete copy[random.pick(keys)];
    else if (roll < 0.25)
      copy[random.pick(['extra', 'channel', 'event', 'data', 'auth', 'channel_data', 'user_data', 'socket_id', 'info', 'name', 'channels', 'batch'])] = troublemaker(random);
    else if (keys.length > 0) {
      const key = random.pick(keys);
      copy[key] = mutateJson(random, copy[key]);
    }
    return copy;
  }
  return troublemaker(random);
}

/** The serialised message, sometimes with its text damaged too. */
export function mutatedText(random: SeededRandom, value: Json, mutations: number): string {
  let mutated = value;
  for (let i = 0; i < mutations; i++) mutated = mutateJson(random, mutated);
  const text = JSON.stringify(mutated) ?? 'null';
  if (!random.chance(0.15)) return text;
  const at = random.int(text.length + 1);
  switch (random.int(5)) {
    case 0:
      return text.slice(0, at);
    case 1:
      return text.slice(0, at) + random.pick(['{', '}', '[', '"', ',', '\\', 'null', '\\u0000', ' ']) + text.slice(at);
    case 2:
      return `[${text}]`;
    case 3:
      return text.slice(at) + text.slice(0, at);
    default:
      return random.pick(['', ' ', 'null', '"string"', '42', 'true', '{}', '[]']);
  }
}

export type { Json };
