import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { channelNameProblem, classifyChannel, publishChannelNameProblem, requiresAuth, SERVER_TO_USER_PREFIX } from './channel-names';

describe('classifyChannel', () => {
  const cases: Array<[string, string, boolean]> = [
    ['news', 'public', false],
    ['cache-news', 'public', true],
    ['private-chat', 'private', false],
    ['private-cache-chat', 'private', true],
    ['private-encrypted-chat', 'encrypted', false],
    ['private-encrypted-cache-chat', 'encrypted', true],
    ['presence-room', 'presence', false],
    ['presence-cache-room', 'presence', true],
    // Prefixes are exact and case-sensitive; a name merely containing one is public.
    ['privatechat', 'public', false],
    ['Private-chat', 'public', false],
    ['news-private-chat', 'public', false],
    ['cache', 'public', false],
    ['cachenews', 'public', false],
    ['presence', 'public', false],
    ['private-encryptedchat', 'private', false],
    ['private-encrypted-cachechat', 'encrypted', false],
    ['presence-cachex', 'presence', false],
    ['private-App.Models.User.5', 'private', false],
    ['presence-App.Chat.1', 'presence', false],
  ];
  for (const [name, type, cache] of cases) {
    it(`classifies ${name} as ${type}${cache ? ' (cache)' : ''}`, () => {
      assert.deepEqual(classifyChannel(name), { type, cache });
    });
  }

  it('requires auth for private, presence and encrypted channels, cache or not, and not for public ones', () => {
    assert.equal(requiresAuth(classifyChannel('news')), false);
    assert.equal(requiresAuth(classifyChannel('cache-news')), false);
    for (const name of ['private-a', 'private-cache-a', 'presence-a', 'presence-cache-a', 'private-encrypted-a', 'private-encrypted-cache-a']) {
      assert.equal(requiresAuth(classifyChannel(name)), true, name);
    }
  });
});

describe('channelNameProblem', () => {
  it('accepts every character Pusher allows: A-Z a-z 0-9 _ - = @ , . ;', () => {
    assert.equal(channelNameProblem('AZaz09_-=@,.;', 200), null);
    assert.equal(channelNameProblem('private-App.Models.User.5', 200), null);
    assert.equal(channelNameProblem('presence-room;a=b,c@d', 200), null);
  });

  for (const bad of ['has space', 'slash/es', 'colon:s', 'percent%2E', 'star*', 'gt>', 'tab\t', 'new\nline', 'é', 'emoji🙂', 'quote"', 'semi;colon!', 'a+b']) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.match(channelNameProblem(bad, 200) ?? '', /contains characters outside/);
    });
  }

  it('refuses an empty or missing name, or a non-string', () => {
    for (const bad of ['', undefined, null, 42, ['a'], { name: 'a' }]) assert.equal(channelNameProblem(bad, 200), 'Channel name is required', String(bad));
  });

  it('allows 200 characters by default and refuses 201, naming both numbers', () => {
    assert.equal(channelNameProblem(`private-${'a'.repeat(192)}`, 200), null);
    assert.equal(channelNameProblem('a'.repeat(201), 200), 'Channel name too long: 201 characters, the limit is 200');
  });

  it('applies a configured limit (Pusher documents 164)', () => {
    assert.equal(channelNameProblem('a'.repeat(164), 164), null);
    assert.match(channelNameProblem('a'.repeat(165), 164) ?? '', /165 characters, the limit is 164/);
  });

  it('refuses names starting with # (the #server-to-user- namespace is for servers only)', () => {
    assert.match(channelNameProblem(`${SERVER_TO_USER_PREFIX}42`, 200) ?? '', /reserved/);
    assert.match(channelNameProblem('#anything', 200) ?? '', /reserved/);
  });
});

describe('publishChannelNameProblem', () => {
  it('accepts #server-to-user-<id>, which the server SDKs send for sendToUser', () => {
    assert.equal(SERVER_TO_USER_PREFIX, '#server-to-user-');
    assert.equal(publishChannelNameProblem('#server-to-user-42', 200), null);
    assert.equal(publishChannelNameProblem('#server-to-user-alice@example.com', 200), null);
  });

  it('refuses #server-to-user- without a user id, and one over the length limit', () => {
    assert.match(publishChannelNameProblem('#server-to-user-', 200) ?? '', /needs a user id/);
    assert.match(publishChannelNameProblem(`#server-to-user-${'1'.repeat(185)}`, 200) ?? '', /too long: 201 characters/);
  });

  it('checks every other name like a subscription', () => {
    assert.equal(publishChannelNameProblem('private-App.Models.User.5', 200), null);
    assert.match(publishChannelNameProblem('#other', 200) ?? '', /reserved/);
    assert.match(publishChannelNameProblem('bad name', 200) ?? '', /contains characters outside/);
    assert.equal(publishChannelNameProblem('', 200), 'Channel name is required');
  });
});
