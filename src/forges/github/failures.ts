// Turns GitHub API errors into Temporal activity failures with the right retry behaviour:
// rate limits wait until GitHub says to, 404/414/422 are final with the API's message, 5xx back off.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { retryAfterMs, untilResetMs } from '../../http/retry-after.js';
import { RequestDropped } from './request-pacer.js';

interface HttpishError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
  request?: { method?: string; url?: string };
}

// 413 and 414: the request itself is too large (a body, a URL); sending it again cannot help.
const FINAL = new Set([400, 401, 404, 410, 413, 414, 422]);

/**
 * How long GitHub asked us to wait, in ms, or undefined when this is not a rate-limit answer. A secondary
 * rate limit without retry-after means: wait at least a minute, then back off exponentially (GitHub's
 * documented rule), so the wait doubles with each attempt, up to 15 minutes.
 */
export function rateLimitDelayMs(
  status: number,
  headers: Record<string, string | number | undefined>,
  now = Date.now(),
  apiMessage = '',
  attempt = 1,
): number | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const wait = retryAfterMs((name) => headers[name], now);
  if (wait !== undefined) return wait;
  if (String(headers['x-ratelimit-remaining']) === '0')
    return untilResetMs(headers['x-ratelimit-reset'], now) ?? 60_000;
  if (status === 429 || /secondary rate limit|abuse/i.test(apiMessage))
    return Math.min(15 * 60_000, 60_000 * 2 ** Math.max(0, attempt - 1));
  return undefined;
}

/** The current activity attempt (1 outside an activity). */
function attemptNow(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/** Method and path of the failed call, without query string or host (no tokens, no internal URLs). */
function describeCall(e: HttpishError): string {
  const method = e.request?.method ?? 'request';
  let path = '';
  try {
    path = e.request?.url ? new URL(e.request.url).pathname : '';
  } catch {
    /* not a URL */
  }
  return `${method} ${path}`.trim();
}

export function toActivityFailure(err: unknown): Error {
  // Not sent, the budget spent until after this attempt's deadline: retried when the budget allows.
  if (err instanceof RequestDropped && err.retryAfterMs !== undefined)
    return ApplicationFailure.create({
      type: 'GitHubBudgetSpent',
      message: `${err.message} (retrying in ${Math.ceil(err.retryAfterMs / 1000)}s)`,
      nextRetryDelay: Math.max(1000, err.retryAfterMs),
    });
  const e = err as HttpishError;
  if (typeof e?.status !== 'number') return err as Error; // network error: retried with backoff
  const status = e.status;
  const headers = e.response?.headers ?? {};
  const data = e.response?.data as { message?: string; errors?: unknown } | undefined;
  // GitHub's 422 says what it refused in `errors` (strings, or objects with a message or code): kept, bounded.
  const details = Array.isArray(data?.errors)
    ? data.errors
        .map((x) =>
          typeof x === 'string'
            ? x
            : ((x as { message?: string; code?: string })?.message ?? (x as { code?: string })?.code),
        )
        .filter((x): x is string => typeof x === 'string' && x !== '')
        .join('; ')
        .slice(0, 500)
    : '';
  const apiMessage = `${typeof data?.message === 'string' ? data.message : ''}${details ? ` (${details})` : ''}`;
  const message = `GitHub ${describeCall(e)} answered ${status}${apiMessage ? `: ${apiMessage}` : ''}`;
  const wait = rateLimitDelayMs(status, headers, Date.now(), apiMessage, attemptNow());
  if (wait !== undefined) {
    return ApplicationFailure.create({
      type: 'GitHubRateLimited',
      message: `${message} (retrying in ${Math.ceil(wait / 1000)}s)`,
      nextRetryDelay: wait,
    });
  }
  if (FINAL.has(status) || status === 403) {
    return ApplicationFailure.create({ type: `GitHub${status}`, message, nonRetryable: true });
  }
  return ApplicationFailure.create({ type: 'GitHubUnavailable', message });
}

/** Runs one GitHub call, converting its failure. */
export async function githubCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
