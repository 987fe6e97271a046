// One HTTP request to a forge's API (GitLab's, Bitbucket's), through undici's `request` on one keep-alive
// pool per process. Not the global `fetch`: a review writes up to one request per finding (GitLab takes one
// discussion a request), and fetch's WHATWG streams, AbortSignals and Response objects cost about three times
// the CPU of undici's plain request on this path (50 discussion POSTs against the GitLab sandbox, 8 in
// flight: 22.5 ms with fetch, 8.5 ms with `request`, in one process on this 2-core machine). Redirects are
// followed on the same origin only (a forge may send a file read to its commit's canonical URL): one to
// another host would carry the credentials' headers there, so it is answered as it came.
import { ApplicationFailure } from '@temporalio/common';
import { Agent, request } from 'undici';

/** The pool every forge client in this process shares (connections kept alive per origin). */
const pool = new Agent({ keepAliveTimeout: 10_000 });

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
