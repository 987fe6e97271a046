// Which listed deliveries are redelivered: the newest attempt of a GUID failed for a reason a resend can
// fix (never a 4xx refusal), is inside the window, was not already a redelivery, and is not another
// tenant's.
import assert from 'node:assert/strict';
import { failedDeliveries, type ListedDelivery } from '../../src/forges/failed-deliveries.js';

const now = Date.parse('2026-11-24T12:00:00Z');
const at = (hoursAgo: number) => new Date(now - hoursAgo * 3600_000).toISOString();
let id = 1;
const entry = (
  guid: string,
  hoursAgo: number,
  status_code: number,
  redelivery = false,
  installation_id: number | null = null,
): ListedDelivery => ({
  id: id++,
  guid,
  delivered_at: at(hoursAgo),
  redelivery,
  status_code,
  event: 'issues',
  action: 'opened',
  installation_id,
});

describe('failed webhook deliveries', () => {
  const window = 71 * 3600_000;

  it('picks GUIDs whose newest attempt failed, oldest first', () => {
    const picked = failedDeliveries(
      [entry('ok', 1, 200), entry('b', 2, 502), entry('a', 5, 500), entry('conn', 3, 0), entry('busy', 1, 503)],
      now,
      window,
    );
    assert.deepEqual(
      picked.map((d) => d.guid),
      ['a', 'conn', 'b', 'busy'],
    );
  });

  it('never resends a delivery the ingress refused on purpose (4xx), only those a resend can fix', async () => {
    const refused = [400, 401, 403, 404, 410, 413, 422].map((code) => entry(`refused-${code}`, 2, code));
    const fixable = [0, 408, 429, 500, 502, 503, 504].map((code) => entry(`failed-${code}`, 1, code));
    assert.deepEqual(
      failedDeliveries([...refused, ...fixable], now, window).map((d) => d.status_code),
      [0, 408, 429, 500, 502, 503, 504],
    );
  });

  it("on the App's hook, leaves the deliveries of an organization that is a tenant of its own", () => {
    const picked = failedDeliveries(
      [entry('mine', 2, 500, false, 11), entry('theirs', 1, 500, false, 22), entry('none', 1, 502)],
      now,
      window,
      new Set([22]),
    );
    assert.deepEqual(
      picked.map((d) => d.guid),
      ['mine', 'none'],
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
