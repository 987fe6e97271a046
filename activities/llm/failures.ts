// One mapping from a model API's HTTP failure to a Temporal failure, for every provider: rate limits and
// overload are retried by Temporal after the wait the API asked for; other 4xx are final, with the
// API's own message. Keys are cut out of every message, since messages land in workflow histories.
import { ApplicationFailure } from '@temporalio/common';

export interface ApiFailure {
  /** Who answered, e.g. "Gemini API". */
  api: string;
  status: number;
  apiMessage?: string;
  /** The wait the API asked for (retry-after headers, or a body's retry info). */
  retryAfterMs?: number;
}

// Key-shaped words (OpenAI/Anthropic sk-..., Google AIza...), even masked ones an API echoes back.
const KEY_LIKE = /\b(?:sk-|AIza)[A-Za-z0-9*_.-]{8,}/g;

/** Removes every secret from a text that may be logged or recorded. */
export function redact(text: string, secrets: (string | undefined)[]): string {
  return secrets
    .reduce<string>((t, s) => (s && s.length >= 4 ? t.split(s).join('[redacted]') : t), text)
    .replace(KEY_LIKE, '[redacted]');
}

const RETRYABLE = new Set([408, 409, 425, 429, 500, 502, 503, 504, 529]);

export function apiFailure(f: ApiFailure, secrets: (string | undefined)[]): ApplicationFailure {
  const message = redact(`${f.api} answered ${f.status}${f.apiMessage ? `: ${f.apiMessage}` : ''}`, secrets);
  if (RETRYABLE.has(f.status) || f.status >= 500) {
    const type =
      f.status === 429
        ? 'ModelRateLimited'
        : f.status === 503 || f.status === 529
          ? 'ModelOverloaded'
          : 'ModelServerError';
    return ApplicationFailure.create({ type, message, nextRetryDelay: f.retryAfterMs });
  }
  return ApplicationFailure.create({ type: `Model${f.status}`, message, nonRetryable: true });
}

/** The API could not be reached (connection refused, reset, timed out): worth another attempt. */
export function unreachable(api: string, err: unknown, secrets: (string | undefined)[]): ApplicationFailure {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
  return ApplicationFailure.create({
    type: 'ModelUnavailable',
    message: redact(`${api} unreachable: ${detail}`, secrets),
  });
}

export function missingKey(agentName: string, model: string, envNames: readonly string[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'MissingApiKey',
    message: `agent "${agentName}" uses ${model}, but ${envNames.join(' or ')} is not set (or give the agent an offline_model)`,
    nonRetryable: true,
  });
}
