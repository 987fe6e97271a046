// One HTTP request to a forge's API (GitLab's, Bitbucket's), through undici's `request` on one keep-alive
// pool per process. Not the global `fetch`: a review writes up to one request per finding (GitLab takes one
// discussion a request), and fetch's WHATWG streams, AbortSignals and Response objects cost about three times
// the CPU of undici's plain request on this path (50 discussion POSTs against the GitLab sandbox, 8 in
// flight: 22.5 ms with fetch, 8.5 ms with `request`, in one process on this 2-core machine). Redirects are
// not followed: a forge's API answers its resources where it is asked, and a redirect elsewhere would carry
// the credentials' headers to another host.
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

/** Sends one request; throws only when no answer came (any status is an answer). */
export async function httpRequest(url: URL | string, init: HttpInit): Promise<HttpAnswer> {
  const timeout = init.timeoutMs ?? 30_000;
  const res = await request(url, {
    method: init.method as 'GET',
    headers: init.headers,
    body: init.body,
    dispatcher: pool,
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
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
