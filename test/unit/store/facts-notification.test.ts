import { encodeFactsChange, factsChangeOf, parseFactsChange } from '../../../src/store/facts-notification';
import { DIGEST_A } from '../../helpers/decision-record';

// What a change notification says, from the change-log entry that sends it, and how a replica reads it back: anything
// it cannot read as a precise change makes it drop everything, never keep a stale answer.

const IMAGE = `registry.corp.example/payments/api@${DIGEST_A}`;

describe('facts change notifications', () => {
  it.each([
    ['approve', IMAGE, { kind: 'image', generation: 7, repository: 'registry.corp.example/payments/api', digest: DIGEST_A }],
    ['revoke', IMAGE, { kind: 'image', generation: 7, repository: 'registry.corp.example/payments/api', digest: DIGEST_A }],
    ['exception-add', 'exception:3', { kind: 'exceptions', generation: 7 }],
    ['break-glass-revoke', 'break-glass-grant:4', { kind: 'grants', generation: 7 }],
    ['scan-import', 'scan:12', { kind: 'everything' }],
    ['registry-event', 'registry-event:5', { kind: 'everything' }],
    ['approve', 'no-digest-here', { kind: 'everything' }],
  ] as const)('names what %s of %s made stale, and reads back the same', (action, subject, expected) => {
    const change = factsChangeOf({ action, subject }, 7);
    expect(change).toEqual(expected);
    expect(parseFactsChange(encodeFactsChange(change))).toEqual(expected);
  });

  it.each([undefined, '', 'not json', '[]', '{"kind":"image","generation":"7","repository":"r","digest":"d"}', '{"kind":"image","generation":7}', '{"kind":"other","generation":7,"digest":"d"}'])(
    'drops everything for a payload it cannot read: %s',
    (payload) => expect(parseFactsChange(payload)).toEqual({ kind: 'everything' }),
  );
});
