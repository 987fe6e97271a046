// One account's analyses in one month (`quota/<account>/<yyyy-mm>`): the one place that counts, so the
// count is exact under concurrent reviews (updates are serialized), and it counts each key (a PR head)
// once.
//
// Its state is bounded for any volume. Temporal dedupes an update id only within one run, and the keys
// cannot all be carried across continue-as-new (they passed the 2 MB limit near 32,000 a month), so:
// - a run remembers the keys it counted (a run takes only so many updates before Temporal suggests
//   continuing as new), and hands them to the next run, which hands them on to their pull requests'
//   ledgers (quota-ledger.ts: one small workflow per pull request and month) and forgets them once they
//   are there;
// - a Bloom filter of every key counted this month, of fixed size, goes along too: for a key it has never
//   seen it answers exactly, so a new head is counted at once;
// - a key it may have seen (a repeat, or a rare false positive) is answered "look it up": the caller asks
//   the key's ledger, which knows exactly, and comes back only if the ledger does not know the key, saying
//   in which run it was told to look; the key is counted then, unless that run has since ended (the key
//   may have been counted and handed over in between), in which case it is told to look again.
//
// Runs started before this counted through `reserve` and carried every key (`keys`): that update still
// works as it did (old histories, old workers during an upgrade), and keys a run carries over from then
// count as counted for the rest of the month.
import { continueAsNew, deprecatePatch, proxyActivities, setHandler } from '@temporalio/workflow';
import type { QuotaActivities } from '../activities/quota/index.js';
import { BLOOM_BYTES, bloomAdd, bloomMayHave } from '../src/gate/bloom.js';
import { markRun } from './run-attributes.js';
import { countBatchUpdate, countUpdate, reserveUpdate, type CountAnswer, type QuotaGrant } from './definitions.js';
import { openForMonth } from './quota-period.js';

export type { QuotaGrant };

interface QuotaState {
  account: string;
  month: string;
  used?: number;
  /** Keys counted by `reserve` (before ledgers, or by an old worker): remembered for the month. */
  keys?: string[];
  /** This run's number in the month (0 for the first). */
  run?: number;
  /** Keys the previous run counted, with the count each got, until their ledgers have them. */
  handOver?: Record<string, number>;
}

const { recordInLedgers } = proxyActivities<QuotaActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** `seen`: the month's Bloom filter, from the previous run (a binary payload of fixed size). */
export async function quotaWorkflow(state: QuotaState, seen?: Uint8Array): Promise<{ used: number }> {
  markRun('quotaWorkflow', { kind: 'quota' }, 'open');
  let used = state.used ?? 0;
  const run = state.run ?? 0;
  const keys = new Set(state.keys ?? []);
  const filter = seen ?? new Uint8Array(BLOOM_BYTES);
  const counted = new Map<string, number>();
  let handOver = new Map(Object.entries(state.handOver ?? {}));
  const handedOver = handOver.size
    ? recordInLedgers({ account: state.account, month: state.month, counted: Object.fromEntries(handOver) }).then(
        () => void (handOver = new Map()),
      )
    : Promise.resolve();
  const earlier = (key: string) => counted.get(key) ?? handOver.get(key);

  setHandler(reserveUpdate, (key, limit) => {
    // Not counted again when counted through a ledger; a key the filter only may have seen is let
    // through uncounted (rare, and only while old workers run).
    if (keys.has(key) || earlier(key) !== undefined || bloomMayHave(filter, key)) return { allowed: true, used, limit };
    if (used >= limit) return { allowed: false, used, limit };
    used++;
    keys.add(key);
    return { allowed: true, used, limit };
  });
  const count = (key: string, limit: number, lookedUpIn: number | null): CountAnswer => {
    const got = earlier(key);
    if (got !== undefined) return { allowed: true, used: got, limit };
    if (keys.has(key)) return { allowed: true, used, limit };
    if (lookedUpIn !== run && bloomMayHave(filter, key)) return { lookUp: run };
    if (used >= limit) return { allowed: false, used, limit };
    counted.set(key, ++used);
    bloomAdd(filter, key);
    return { allowed: true, used, limit };
  };
  setHandler(countUpdate, count);
  setHandler(countBatchUpdate, (items) => items.map((item) => count(...item)));

  await openForMonth(state.month, async () => {
    deprecatePatch('quota-remembers-heads-in-ledgers-and-a-bloom-filter');
    await handedOver;
    const next = { ...state, used, keys: [...keys], run: run + 1, handOver: Object.fromEntries(counted) };
    return continueAsNew<typeof quotaWorkflow>(next, filter);
  });
  await handedOver;
  return { used };
}
