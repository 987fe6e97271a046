// Which listed deliveries are redelivered: the newest attempt of a GUID failed, is inside the window, and
// was not already a redelivery.
import assert from 'node:assert/strict';
import { failedDeliveries, type ListedDelivery } from '../../src/github/failed-deliveries.js';

const now = Date.parse('2026-11-24T12:00:00Z');
const at = (hoursAgo: number) => new Date(now - hoursAgo * 3600_000).toISOString();
let id = 1;
const entry = (guid: string, hoursAgo: number, status_code: number, redelivery = false): ListedDelivery => ({
  id: id++,
  guid,
  delivered_at: at(hoursAgo),
  redelivery,
  status_code,
  event: 'issues',
  action: 'opened',
});

describe('failed webhook deliveries', () => {
  const window = 71 * 3600_000;

  it('picks GUIDs whose newest attempt failed, oldest first', () => {
    const picked = failedDeliveries(
      [entry('ok', 1, 200), entry('b', 2, 502), entry('a', 5, 500), entry('conn', 3, 0), entry('gone', 1, 410)],
      now,
      window,
    );
    assert.deepEqual(
      picked.map((d) => d.guid),
      ['a', 'conn', 'b', 'gone'],
    );
  });

  it('skips a failure a later redelivery fixed, and one already redelivered (each failure once)', () => {
    const fixed = [entry('x', 5, 500), entry('x', 4, 201, true)];
    const redone = [entry('y', 5, 500), entry('y', 4, 503, true)];
    assert.deepEqual(failedDeliveries([...fixed, ...redone], now, window), []);
  });

  it('redelivers the newest failed attempt when an earlier one succeeded', () => {
    // Only the newest attempt of a GUID counts, whatever came before it.
    const picked = failedDeliveries([entry('z', 5, 200), entry('z', 1, 500)], now, window);
    assert.deepEqual(
      picked.map((d) => [d.guid, d.status_code]),
      [['z', 500]],
    );
  });

  it('leaves failures older than the window', () => {
    assert.deepEqual(failedDeliveries([entry('old', 72, 500)], now, window), []);
    assert.equal(failedDeliveries([entry('edge', 70.9, 500)], now, window).length, 1);
  });

  it('orders by time, then id, when attempts share a timestamp', () => {
    const same = [entry('t', 2, 200), entry('t', 2, 500)];
    assert.equal(failedDeliveries(same, now, window).length, 1, 'the later id is the newer attempt');
  });
});
