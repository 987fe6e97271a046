// The request of an http flow node, rendered by the worker: environment variables are resolved first, in
// the YAML's own text only (never in event data), then event values are substituted, encoded for where
// they land. Scheme and host come from the YAML or the environment, never from event data.
import { expandString } from '../config/env.js';
import { renderFlowTemplate, templateNames, type Scope } from './expression.js';

export interface HttpTemplate {
  url: string;
  /** A string template, or an object whose string leaves are templates (sent as JSON). */
  body?: unknown;
  /** Header values may name environment variables (credentials), not event data. */
  headers?: Record<string, string>;
}

/** The part of a URL template before its path: scheme, credentials, host and port. */
function authorityOf(url: string): string {
  const afterScheme = url.indexOf('://');
  const start = afterScheme < 0 ? 0 : afterScheme + 3;
  const end = url.slice(start).search(/[/?#]/);
  return end < 0 ? url : url.slice(0, start + end);
}

/** Problems of an http node's templates, for validation. */
export function httpTemplateProblems(t: { url?: unknown; headers?: unknown }): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  if (typeof t.url === 'string') {
    // An environment variable may give the whole base URL; event data never reaches scheme or host.
    const base = t.url.replace(/^\$\{[A-Z_][A-Z0-9_]*(?::-[^}]*)?\}/, 'https://from-env');
    if (templateNames(authorityOf(base)).length)
      problems.push({
        key: 'url',
        message: 'scheme and host cannot come from event data: templates may appear only in the path and query',
      });
    else if (!/^https?:\/\//.test(base))
      problems.push({
        key: 'url',
        message: 'must start with http:// or https:// (or an environment variable that holds the base URL)',
      });
  }
  if (t.headers !== undefined) {
    if (!t.headers || typeof t.headers !== 'object' || Array.isArray(t.headers))
      problems.push({ key: 'headers', message: 'must map header names to values' });
    else
      for (const [k, v] of Object.entries(t.headers)) {
        if (typeof v !== 'string') problems.push({ key: `headers.${k}`, message: 'must be a string' });
        else if (templateNames(v).length)
          problems.push({
            key: `headers.${k}`,
            message: 'header values cannot hold event data; name an environment variable (${DEPLOY_TOKEN})',
          });
      }
  }
  return problems;
}

/** The values a template reads, taken from the flow's scope in the workflow (bounded, no secrets). */
export function templateValues(t: HttpTemplate, scope: Scope): Record<string, string> {
  const texts = [
    t.url,
    ...(typeof t.body === 'string' ? [t.body] : t.body === undefined ? [] : [JSON.stringify(t.body)]),
  ];
  const names = new Set(texts.flatMap(templateNames));
  return Object.fromEntries([...names].map((n) => [n, String(scope(n) ?? '').slice(0, 4000)]));
}

export class MissingVariableError extends Error {}

export function renderHttpRequest(
  t: HttpTemplate,
  values: Record<string, string>,
  env: NodeJS.ProcessEnv,
): { url: string; body?: string; headers: Record<string, string> } {
  const resolveEnv = (text: string) => {
    const missing: string[] = [];
    const out = expandString(text, env, missing);
    if (missing.length)
      throw new MissingVariableError(`environment variable ${missing.join(', ')} is not set on the worker`);
    return out;
  };
  const scope: Scope = (name) => values[name];
  const base = resolveEnv(t.url);
  const authority = authorityOf(base);
  // Values in the path and query are encoded: `/deploy ../../admin?x=` cannot change the path or query.
  const url = authority + renderFlowTemplate(base.slice(authority.length), scope, encodeURIComponent);
  const leaf = (v: unknown): unknown =>
    typeof v === 'string'
      ? renderFlowTemplate(resolveEnv(v), scope)
      : Array.isArray(v)
        ? v.map(leaf)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, leaf(x)]))
          : v;
  const headers = Object.fromEntries(Object.entries(t.headers ?? {}).map(([k, v]) => [k, resolveEnv(v)]));
  const body =
    t.body === undefined
      ? undefined
      : typeof t.body === 'string'
        ? renderStringBody(resolveEnv(t.body), headers, scope)
        : JSON.stringify(leaf(t.body));
  return { url, body, headers };
}

/** A value escaped for the inside of a JSON string: `","sha":"x` stays one string, never a new key. */
export const jsonEscape = (value: string): string => JSON.stringify(value).slice(1, -1);

/**
 * Whether a string body is JSON: its content-type says so, or (none given: the hook is sent
 * application/json) its template reads as a JSON object or array.
 */
export function isJsonBody(template: string, headers: Record<string, string> | undefined): boolean {
  const type = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  if (type !== undefined) return /\bjson\b|\+json/i.test(type);
  return /^\s*[[{]/.test(template);
}

/** A string body with event values substituted: JSON-escaped when the body is JSON, as they are otherwise. */
export function renderStringBody(template: string, headers: Record<string, string> | undefined, scope: Scope): string {
  return renderFlowTemplate(template, scope, isJsonBody(template, headers) ? jsonEscape : undefined);
}
