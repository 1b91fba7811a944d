import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subjectMatches } from './subject-match';
import { subjects, subjectToken } from './subjects';

/** What one NATS token may hold: no separator, no wildcard, no whitespace, not empty. */
const ONE_TOKEN = /^[^.*>\s]+$/;

const TRICKY = [
  'private-App.Models.User.5',
  'private-App%2EModels%2EUser%2E5',
  'a.b',
  'a%2Eb',
  'a%252Eb',
  'a%b',
  'a*b',
  'a>b',
  '*',
  '>',
  'a b',
  'a\tb',
  'é',
  '%C3%A9',
  '🙂',
  'user@example.com',
  '#server-to-user-1',
  'presence-room;a=b,c@d',
  '.',
  '..',
];

describe('subjectToken', () => {
  it('leaves names without special characters as they are', () => {
    for (const name of ['news', 'private-chat', 'presence-cache-room_1', 'a=b,c@d;e', '#server-to-user-42']) assert.equal(subjectToken(name), name);
  });

  it('escapes dots, so a Laravel-style name is one token', () => {
    assert.equal(subjectToken('private-App.Models.User.5'), 'private-App%2EModels%2EUser%2E5');
  });

  it('escapes UTF-8 bytes and the escape character itself', () => {
    assert.equal(subjectToken('é'), '%C3%A9');
    assert.equal(subjectToken('a%2Eb'), 'a%252Eb');
    assert.equal(subjectToken('a b'), 'a%20b');
  });

  it('always yields exactly one NATS token', () => {
    for (const value of TRICKY) assert.match(subjectToken(value), ONE_TOKEN, JSON.stringify(value));
  });

  it('is one-to-one: names differing only by "." versus "%2E" (or by escaping) get different tokens', () => {
    assert.notEqual(subjectToken('a.b'), subjectToken('a%2Eb'));
    assert.notEqual(subjectToken('private-App.Models.User.5'), subjectToken('private-App%2EModels%2EUser%2E5'));
    assert.notEqual(subjectToken('é'), subjectToken('%C3%A9'));
    assert.equal(new Set(TRICKY.map(subjectToken)).size, TRICKY.length);
  });
});

describe('subjects', () => {
  it('puts a channel with dots under herald.ch.<app> as a single token', () => {
    const subject = subjects.channel('app-1', 'private-App.Models.User.5');
    assert.equal(subject, 'herald.ch.app-1.private-App%2EModels%2EUser%2E5');
    assert.equal(subject.split('.').length, 4);
    assert.equal(subjectMatches('herald.ch.app-1.*', subject), true);
    assert.equal(subjectMatches('herald.ch.app-1.private-App', subject), false);
  });

  it('puts users under herald.user.<app>, escaped the same way', () => {
    assert.equal(subjects.user('app-1', 'alice.smith'), 'herald.user.app-1.alice%2Esmith');
    assert.equal(subjectMatches('herald.user.app-1.*', subjects.user('app-1', 'a.b.c')), true);
  });

  it('keeps channel and user subjects of different apps apart', () => {
    assert.equal(subjectMatches('herald.ch.app-1.>', subjects.channel('app-2', 'news')), false);
    assert.notEqual(subjects.channel('app-1', 'x'), subjects.user('app-1', 'x'));
  });
});
