/** Row validation: herald_apps rows as apps, and the problems of bad rows (no database needed). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AppRow, parseAppRows } from './postgres-app-rows';

function row(fields: Partial<AppRow> & { id: unknown }): AppRow {
  return { key: `${String(fields.id)}-key`, secret: `${String(fields.id)}-secret`, enabled: true, config: {}, ...fields };
}

describe('parseAppRows', () => {
  it('turns rows into apps with the file defaults, columns and config merged', () => {
    const { apps, problems } = parseAppRows([
      row({ id: 'shop', config: { name: 'Shop', clientEvents: false, limits: { maxPresenceMembers: 5 } } }),
      row({ id: 'blog', enabled: null, config: null }),
      row({ id: 'off', enabled: false }),
    ]);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      apps.map((a) => [a.id, a.key, a.secret, a.enabled, a.clientEvents, a.name]),
      [
        ['shop', 'shop-key', 'shop-secret', true, false, 'Shop'],
        ['blog', 'blog-key', 'blog-secret', true, true, undefined],
        ['off', 'off-key', 'off-secret', false, true, undefined],
      ],
    );
    assert.equal(apps[0].limits.maxPresenceMembers, 5);
    assert.equal(apps[0].limits.maxEventPayloadBytes, 10240, 'other limits keep their defaults');
    assert.deepEqual(apps[1].webhooks, []);
  });

  it('skips a bad row, naming its id and the field (a column or a path in config)', () => {
    const { apps, problems } = parseAppRows([
      row({ id: 'good' }),
      row({ id: 'lots', config: { limits: { maxPresenceMembers: 'lots' } } }),
      row({ id: 'bad id!' }),
      row({ id: 'typo', config: { clientEvent: true } }),
      row({ id: 'hook', config: { webhooks: [{ url: 'ftp://example.com' }] } }),
      row({ id: 'list', config: [1, 2] }),
      row({ id: 'dup', config: { secret: 'other' } }),
    ]);
    assert.deepEqual(
      apps.map((a) => a.id),
      ['good'],
    );
    const byId = new Map(problems.map((p) => [p.id, p.message]));
    assert.match(byId.get('lots') ?? '', /^herald_apps row "lots": config\.limits\.maxPresenceMembers: .*expected number/);
    assert.match(byId.get('bad id!') ?? '', /^herald_apps row "bad id!": id: app id may only contain/);
    assert.match(byId.get('typo') ?? '', /^herald_apps row "typo": config: Unrecognized key: "clientEvent"/);
    assert.match(byId.get('hook') ?? '', /^herald_apps row "hook": config\.webhooks\[0\]\.url: /);
    assert.match(byId.get('list') ?? '', /^herald_apps row "list": config: must be a JSON object, got an array/);
    assert.match(byId.get('dup') ?? '', /^herald_apps row "dup": config\.secret: set the column secret, not a field of config/);
  });

  it('skips a second row with the same key (a table without the UNIQUE constraint)', () => {
    const { apps, problems } = parseAppRows([row({ id: 'a', key: 'same' }), row({ id: 'b', key: 'same' })]);
    assert.deepEqual(
      apps.map((a) => a.id),
      ['a'],
    );
    assert.match(problems[0].message, /^herald_apps row "b": key: another row has the key "same"/);
  });
});
