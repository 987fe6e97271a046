// One HTTP request to a forge's API (GitLab's, Bitbucket's), through undici's `request` on one keep-alive
// pool per process. Not the global `fetch`: a review writes up to one request per finding (GitLab takes one
// discussion a request), and fetch's WHATWG streams, AbortSignals and Response objects cost about three times
// the CPU of undici's plain request on this path (50 discussion POSTs against the GitLab sandbox, 8 in
// flight: 22.5 ms with fetch, 8.5 ms with `request`, in one process on this 2-core machine). Redirects are
// followed on the same origin only (a forge may send a file read to its commit's canonical URL): one to
// another host would carry the credentials' headers there, so it is answered as it came.
import { ApplicationFailure } from '@temporalio/common';
import { Agent, request } from 'undici';
import { retryAfterMs } from './retry-after.js';

/**
 * The pool every forge client in this process shares: connections kept alive per origin, at most
 * CONNECTIONS_PER_ORIGIN of them (further requests wait for a free one). Unbounded, undici opened new
 * sockets while idle ones were open: a review's 50 discussion POSTs, 16 at once, on a warm pool opened 12
 * new connections each time (`connections: 16`: none).
 */
export const CONNECTIONS_PER_ORIGIN = 16;
const pool = new Agent({ keepAliveTimeout: 10_000, connections: CONNECTIONS_PER_ORIGIN });

export interface HttpInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** For the answer's headers, and again for its body; default 30 s. */
  timeoutMs?: number;
}

/** An answer: its status and headers, and its body read once (text, JSON or bytes) or discarded. */
export interface HttpAnswer {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json<T = unknown>(): Promise<T>;
  arrayBuffer(): Promise<ArrayBuffer>;
  /** Drops the body unread (a file too large to want). */
  cancel(): Promise<void>;
}

/** Why a request got no answer: the socket's code (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`...) or the error's name. */
export function noAnswerCause(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown }; name?: unknown };
  return String(e.code ?? e.cause?.code ?? e.name ?? 'error');
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** Sends one request; throws only when no answer came (any status is an answer). */
export async function httpRequest(url: URL | string, init: HttpInit): Promise<HttpAnswer> {
  const timeout = init.timeoutMs ?? 30_000;
  let at = new URL(url);
  let { method, body } = init;
  for (let hops = 0; ; hops++) {
    const res = await request(at, {
      method: method as 'GET',
      headers: init.headers,
      body,
      dispatcher: pool,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const location = res.headers.location;
    const next = REDIRECTS.has(res.statusCode) && typeof location === 'string' ? new URL(location, at) : undefined;
    if (!next || next.origin !== at.origin || hops >= MAX_REDIRECTS) return answerOf(res);
    await res.body.dump();
    if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST'))
      [method, body] = ['GET', undefined];
    at = next;
  }
}

function answerOf(res: Awaited<ReturnType<typeof request>>): HttpAnswer {
  const headers = res.headers;
  return {
    status: res.statusCode,
    ok: res.statusCode >= 200 && res.statusCode < 300,
    headers: {
      get(name) {
        const v = headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    },
    text: () => res.body.text(),
    json: <T>() => res.body.json() as Promise<T>,
    arrayBuffer: () => res.body.arrayBuffer(),
    cancel: () => res.body.dump(),
  };
}

/**
 * One request to `forge`'s API whose failures are typed for Temporal: no answer at all is
 * `<forge>Unavailable` (retried, `status` 0 in its details), an answer other than 2xx is what `refused`
 * makes of its status, headers and body; a 2xx answer is returned with its body unread.
 */
export async function forgeRequest(
  forge: string,
  call: string,
  url: URL | string,
  init: HttpInit,
  refused: (status: number, headers: HttpAnswer['headers'], body: string) => Error,
): Promise<HttpAnswer> {
  let res: HttpAnswer;
  try {
    res = await httpRequest(url, init);
  } catch (err) {
    throw ApplicationFailure.create({
      type: `${forge}Unavailable`,
      message: `${forge} ${call} got no answer (${noAnswerCause(err)})`,
      details: [{ status: 0 }],
    });
  }
  if (res.ok) return res;
  const body = await res.text().catch(() => '');
  throw refused(res.status, res.headers, body);
}

/** Answers that sending again cannot change. */
const FINAL = new Set([400, 401, 403, 404, 405, 409, 410, 413, 414, 422]);
/** The wait after a 429 that names none. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

/** What a failed forge call carries in the failure's details (first entry). */
export interface ForgeFailureDetails {
  status: number;
  /** The forge's own message from its error body, when it gave one. */
  apiMessage?: string;
}

/**
 * The failure for one answer of `forge`'s API (`status` 0: no answer at all), typed for Temporal: a refusal
 * (400, 401, 403, 404, 409, 422...) is `<forge><status>` and final; a rate limit (429) is
 * `<forge>RateLimited`, retried after `rateLimitWaitMs` (the forge's own reading of its headers; else
 * Retry-After, else a minute); a 5xx or anything unexpected is `<forge>Unavailable`, retried with backoff or
 * when the forge said (Retry-After). The message names the call, never its query string or credentials.
 */
export function forgeFailure(
  forge: string,
  call: string,
  status: number,
  headers: Pick<Headers, 'get'>,
  apiMessage: string,
  o: { now?: number; rateLimitWaitMs?: (headers: Pick<Headers, 'get'>, now: number) => number } = {},
): ApplicationFailure {
  const now = o.now ?? Date.now();
  const message = `${forge} ${call} answered ${status}${apiMessage ? `: ${apiMessage}` : ''}`;
  const details: ForgeFailureDetails[] = [{ status, ...(apiMessage ? { apiMessage } : {}) }];
  const wait = retryAfterMs((name) => headers.get(name), now);
  if (status === 429) {
    const ms = o.rateLimitWaitMs?.(headers, now) ?? wait ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    return ApplicationFailure.create({
      type: `${forge}RateLimited`,
      message: `${message} (retrying in ${Math.ceil(ms / 1000)}s)`,
      nextRetryDelay: ms,
      details,
    });
  }
  if (FINAL.has(status))
    return ApplicationFailure.create({ type: `${forge}${status}`, message, nonRetryable: true, details });
  return ApplicationFailure.create({
    type: `${forge}Unavailable`,
    message: wait === undefined ? message : `${message} (retrying in ${Math.ceil(wait / 1000)}s)`,
    ...(wait === undefined ? {} : { nextRetryDelay: Math.max(1000, wait) }),
    details,
  });
}

/** The type of a forge's failure (`GitLab404`, `BitbucketRateLimited`...), or undefined for anything else. */
export const failureType = (err: unknown): string | undefined =>
  err instanceof ApplicationFailure ? (err.type ?? undefined) : undefined;
