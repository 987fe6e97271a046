// The operation a forge write belongs to: its activity (workflow, run and activity id, the same for every
// attempt), so that a retry, and only a retry, looks for what an earlier attempt wrote before writing
// again. Every adapter's writes carry its marker (a hidden comment in text, an external id elsewhere).
import { Context } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { cutNote, fit, less, LIMITS, type Limit } from './github/limits.js';

export interface Operation {
  key: string;
  /** True when an earlier attempt may have written already. */
  retry: boolean;
}

/** The current activity's operation; outside an activity (unit tests) a fresh one. */
export function currentOperation(): Operation {
  try {
    const info = Context.current().info;
    const id = `${info.workflowExecution?.workflowId}/${info.workflowExecution?.runId}/${info.activityId}`;
    return { key: createHash('sha256').update(id).digest('hex').slice(0, 24), retry: info.attempt > 1 };
  } catch {
    return { key: createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 24), retry: false };
  }
}

export const operationMarker = (key: string) => `<!-- aof:op=${key} -->`;

/** The marker of a review's line comment `i` written by operation `key` (a retry posts only those not there). */
export const lineCommentMarker = (key: string, i: number) => `<!-- aof:op=${key} comment=${i} -->`;
/** Every line comment marker in a text. */
export const LINE_COMMENT_MARKERS = /<!-- aof:op=[0-9a-f]+ comment=\d+ -->/g;

/**
 * The body with its operation marker (kept last, invisible when rendered), within `limit`: the body is
 * cut to leave room for the marker, which is never cut.
 */
export function markBody(body: string, op: Operation, limit: Limit = LIMITS.commentBody): string {
  const marker = `\n\n${operationMarker(op.key)}`;
  return `${fit(body, less(limit, marker), cutNote(limit))}${marker}`;
}

/**
 * A comment written once per operation: on a retry, the comment an earlier attempt wrote (found by its
 * operation marker) stands for the write; otherwise `create`. The usual path costs no lookup.
 */
export async function postOnce<C>(op: Operation, find: () => Promise<C | undefined>, create: () => Promise<C>) {
  if (op.retry) {
    const done = await find();
    if (done !== undefined) return done;
  }
  return create();
}

/**
 * The upsert of a comment carrying `marker`: with the id the analysis already `known` (null: none yet), on a
 * first attempt only, it writes at once (an update of a comment deleted since, `gone`, falls back to the
 * lookup); otherwise it looks the marked comment up (`find`), then updates or creates.
 */
export async function upsertMarked<C, Found extends { id: number }>(o: {
  known: number | null | undefined;
  gone: (err: unknown) => boolean;
  find: () => Promise<Found | undefined>;
  create: () => Promise<C>;
  update: (id: number, found?: Found) => Promise<C>;
}): Promise<C & { created: boolean }> {
  const created = async () => ({ ...(await o.create()), created: true });
  const updated = async (id: number, found?: Found) => ({ ...(await o.update(id, found)), created: false });
  // What the analysis found is trusted on a first attempt only: a retry may follow a write it missed.
  if (o.known !== undefined && !currentOperation().retry) {
    if (o.known === null) return created();
    try {
      return await updated(o.known);
    } catch (err) {
      if (!o.gone(err)) throw err; // deleted since: look it up below
    }
  }
  const mine = await o.find();
  return mine ? updated(mine.id, mine) : created();
}

/**
 * `write` of each item, up to `lanes` at once (a forge that takes one comment a request: not fifty in a row).
 * After a failure no further write starts, and those in flight are answered before it is thrown, so a retry's
 * lookup sees every write this attempt made.
 */
export async function writeInLanes<T>(items: readonly T[], lanes: number, write: (item: T) => Promise<void>) {
  let next = 0;
  const failed: unknown[] = [];
  const lane = async () => {
    while (!failed.length && next < items.length)
      await write(items[next++]!).catch((err: unknown) => void failed.push(err));
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
  if (failed.length) throw failed[0];
}
