// A gate's findings as Bitbucket inline comments across pushes (report: review), Cloud and Data Center alike:
// the bot's finding comments read (bounded pages), the shared plan (src/forges/review-plan.ts) applied, new
// findings posted as inline comments at their first line (Bitbucket has no suggestions: a replacement is
// shown as code), fixed ones resolved by the bot, ones it had resolved and found again reopened, ones a person
// dismissed (resolved the thread, or replied that it is wrong or won't be fixed) left alone. Each API only
// says how to read, post and resolve (ThreadOps); the rest is here.
//
// Once across retries: every new comment carries its operation's marker, so a retry reads what an earlier
// attempt posted (a comment Bitbucket stored before answering 500 included) as this operation's own, counts
// it as new and does not post it again. Resolving reads the thread's state first: a retry does not repeat it.
import { DISMISSAL, endingMarker, lineCommentsAsText, threadBody } from '../findings.js';
import {
  currentOperation,
  LINE_COMMENT_MARKERS,
  lineCommentMarker,
  operationMarker,
  writeInLanes,
} from '../operation.js';
import type {
  ChangeTarget,
  ForgeTarget,
  ForgeVerbs,
  ReviewFinding,
  ReviewLineComment,
  ReviewThreads,
} from '../port.js';
import { planThreads, type BotThread } from '../review-plan.js';
import { failureType, type BitbucketApi } from './api.js';

/** Comments posted at once (Bitbucket takes one comment a request). */
export const COMMENTS_IN_FLIGHT = 4;

/** A pull request comment as an API's reader gives it. */
export interface ThreadComment {
  id: number;
  text: string;
  /** An inline comment's file. */
  path?: string;
  /** A reply's parent comment. */
  parent?: number;
  byBot: boolean;
  /** A top-level comment's thread is resolved, by the bot or by someone else. */
  resolved: boolean;
  resolvedByBot: boolean;
  /** Data Center: the version an edit names. */
  version?: number;
}

/** What differs between Cloud's and Data Center's comments. */
export interface ThreadOps {
  /** The pull request's comments, replies included, at most THREAD_PAGES pages. */
  comments(api: BitbucketApi, t: ChangeTarget): Promise<ThreadComment[]>;
  /** An inline comment at `line` of `path` on the new side; Bitbucket answers 400 for a line the diff does not show. */
  postInline(api: BitbucketApi, t: ChangeTarget, at: { path: string; line: number }, text: string): Promise<void>;
  /** A comment on the pull request. */
  post(api: BitbucketApi, t: ChangeTarget, text: string): Promise<void>;
  /** Resolves (or reopens) the thread comment `c` starts. */
  resolve(api: BitbucketApi, t: ChangeTarget, c: ThreadComment, resolve: boolean): Promise<void>;
}

/** The bot's finding threads by marker: its top-level comments ending with one, with their replies read. */
export function botThreads(comments: readonly ThreadComment[], op: string): Map<string, BotThread> {
  const byId = new Map(comments.map((c) => [c.id, c]));
  const rootOf = (c: ThreadComment) => {
    let at = c;
    for (let hops = 0; at.parent !== undefined && hops < 100; hops++) at = byId.get(at.parent) ?? at;
    return at.id;
  };
  const answered = new Set<number>();
  for (const c of comments) if (c.parent !== undefined && !c.byBot && DISMISSAL.test(c.text)) answered.add(rootOf(c));
  const threads = new Map<string, BotThread>();
  for (const c of comments) {
    const marker = c.byBot && c.parent === undefined ? endingMarker(c.text) : undefined;
    if (!marker || threads.has(marker)) continue;
    threads.set(marker, {
      id: String(c.id),
      ...(c.path !== undefined ? { path: c.path } : {}),
      resolved: c.resolved,
      dismissed: (c.resolved && !c.resolvedByBot) || answered.has(c.id),
      mine: c.text.includes(op),
    });
  }
  return threads;
}

/** The reviewThreads verb over an API's ThreadOps. */
export function reviewThreadsVerb(
  clientFor: (t: ForgeTarget) => BitbucketApi,
  ops: ThreadOps,
): NonNullable<ForgeVerbs['reviewThreads']> {
  return async (t, r): Promise<ReviewThreads> => {
    const api = clientFor(t);
    const before = api.requests;
    const op = operationMarker(currentOperation().key);
    const comments = await ops.comments(api, t);
    const plan = planThreads(r.findings, botThreads(comments, op), r.analysedPaths);
    const byId = new Map(comments.map((c) => [String(c.id), c]));
    for (const c of plan.changes) await ops.resolve(api, t, byId.get(c.id)!, c.resolve);
    await writeInLanes(plan.post, COMMENTS_IN_FLIGHT, async ({ f, marker }) => {
      const text = (where: boolean) => findingText(f, `${op}\n${marker}`, where);
      try {
        await ops.postInline(api, t, { path: f.path, line: f.start_line }, text(false));
      } catch (err) {
        if (failureType(err) !== 'Bitbucket400') throw err;
        // A line Bitbucket does not take (the diff moved on): a comment on the pull request naming it.
        await ops.post(api, t, text(true));
      }
    });
    return { ...plan.counts, new: plan.counts.new + plan.post.length, requests: api.requests - before };
  };
}

/** A finding's comment: its text, its replacement shown as code, its place when not inline, markers last. */
function findingText(f: ReviewFinding, markers: string, where: boolean): string {
  const lines = f.end_line > f.start_line ? `${f.start_line}-${f.end_line}` : `${f.start_line}`;
  return `${where ? `\`${f.path}:${lines}\`\n\n` : ''}${threadBody(f, markers, { plain: true })}`;
}

/**
 * A review's line comments (github_post_review's `comments`) as inline comments at their first line, as the
 * gate's findings are (the same ThreadOps and text: a replacement shown as code, Bitbucket having no
 * suggestion an author can commit), up to COMMENTS_IN_FLIGHT at once. Each carries its operation's marker and
 * its index: a retry reads the bot's comments (ThreadOps.comments, bounded pages) and posts only those an
 * earlier attempt did not. Gives the review's text: `body` with the comments Bitbucket refused (a line its
 * diff does not show, 400) listed under it with their `path:line`, saying why.
 */
export async function reviewWithLineComments(
  api: BitbucketApi,
  t: ChangeTarget,
  ops: ThreadOps,
  body: string,
  comments: readonly ReviewLineComment[] | undefined,
): Promise<string> {
  if (!comments?.length) return body;
  const op = currentOperation();
  const done = new Set<string>();
  if (op.retry)
    for (const c of await ops.comments(api, t))
      if (c.byBot) for (const m of c.text.matchAll(LINE_COMMENT_MARKERS)) done.add(m[0]);
  const outside = new Set<number>();
  const todo = comments.map((c, i) => ({ c, i })).filter(({ i }) => !done.has(lineCommentMarker(op.key, i)));
  await writeInLanes(todo, COMMENTS_IN_FLIGHT, async ({ c, i }) => {
    const f: ReviewFinding = {
      path: c.path,
      start_line: c.start_line ?? c.line,
      end_line: c.line,
      annotation_level: 'notice',
      message: c.body,
      key: '',
      onDiff: true,
      ...(c.replacement !== undefined ? { replacement: c.replacement } : {}),
    };
    try {
      await ops.postInline(
        api,
        t,
        { path: f.path, line: f.start_line },
        findingText(f, lineCommentMarker(op.key, i), false),
      );
    } catch (err) {
      if (failureType(err) !== 'Bitbucket400') throw err;
      outside.add(i);
    }
  });
  const listed = comments.filter((_, i) => outside.has(i));
  return listed.length
    ? `${body}\n\n---\nNot on lines this pull request's diff shows, so listed here:${lineCommentsAsText(listed)}`
    : body;
}
