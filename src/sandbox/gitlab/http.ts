// The GitLab sandbox's HTTP vocabulary: GitLab's error bodies, its parameter checks and its pagination.
// GitLab's REST API v4 is a Grape application: a missing or malformed parameter is a 400 with
// `{"error": "<name> is missing"}` (or `is invalid`, `does not have a valid value`), a model validation is
// a 400 with `{"message": {"<field>": ["is too long ..."]}}`, and a missing object is a 404 with
// `{"message": "404 <Thing> Not Found"}`.
import type { GitLabState, GitLabUser } from './state.js';

/** An answer GitLab gives instead of the resource: thrown by handlers, sent by the server. */
export class GitLabHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.message === 'string' ? body.message : typeof body.error === 'string' ? body.error : 'error');
  }
}

export const notFound = (what?: string) =>
  new GitLabHttpError(404, { message: what ? `404 ${what} Not Found` : '404 Not found' });
export const forbidden = () => new GitLabHttpError(403, { message: '403 Forbidden' });
export const badRequest = (error: string) => new GitLabHttpError(400, { error });
/** A model validation failure, as GitLab words it: `{"message": {"note": ["can't be blank"]}}`. */
export const invalid = (field: string, problem: string) =>
  new GitLabHttpError(400, { message: { [field]: [problem] } });

export interface RequestContext {
  method: string;
  /** Path segments after `/api/v4`, each percent-decoded once (so `group%2Fproject` is one segment). */
  segments: string[];
  /** Query parameters and, for writes, body parameters (JSON or form), merged as Grape merges them. */
  params: Record<string, unknown>;
  /** The authenticated user. */
  user: GitLabUser;
  state: GitLabState;
  /** The request's absolute URL, for Link headers. */
  url: URL;
}

export interface Answer {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Content type; JSON unless said. */
  type?: string;
  /** Whether this request changed state (its answer may be failed after the write by fault injection). */
  wrote?: boolean;
}

/** Most answer at once; one that calls out (a webhook resend) answers when its call ends. */
export type Handler = (ctx: RequestContext, pathParams: string[]) => Answer | Promise<Answer>;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Segments after /api/v4; `:name` matches one segment. */
  pattern: string;
  handler: Handler;
}

export function matchRoute(route: Route, method: string, segments: string[]): string[] | undefined {
  if (route.method !== method) return undefined;
  const parts = route.pattern.split('/').filter(Boolean);
  if (parts.length !== segments.length) return undefined;
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (parts[i]!.startsWith(':')) out.push(segments[i]!);
    else if (parts[i] !== segments[i]) return undefined;
  }
  return out;
}

type ParamType = 'string' | 'integer' | 'boolean' | 'float' | 'labels' | 'object' | 'integers';
export interface ParamSpec {
  type: ParamType;
  required?: boolean;
  /** Allowed values (Grape's `values:`). */
  values?: readonly string[];
  /** Longest string GitLab accepts, with the field name its validation error uses. */
  maxLength?: { max: number; field: string };
  /** Whether an empty string is refused (Grape's `allow_blank: false`). */
  notBlank?: boolean;
}
export type ParamsSpec = Record<string, ParamSpec>;

/** `page` and `per_page`, declared on every list endpoint. */
export const PAGINATION: ParamsSpec = { page: { type: 'integer' }, per_page: { type: 'integer' } };

/**
 * Checks `params` against a declaration and returns them typed. Unlike Grape (which drops undeclared
 * parameters silently) an undeclared parameter is refused with 400, so that a product sending a parameter
 * GitLab would ignore fails its tests instead of believing GitLab acted on it; the refusal is also recorded
 * in `state.violations`.
 */
export function checkParams(ctx: RequestContext, spec: ParamsSpec): Record<string, any> {
  const problems: string[] = [];
  const out: Record<string, any> = {};
  for (const name of Object.keys(ctx.params)) {
    if (!(name in spec)) {
      ctx.state.violations.push({
        method: ctx.method,
        path: ctx.url.pathname,
        problem: `undeclared parameter ${name}`,
      });
      problems.push(`${name} is not a parameter of this endpoint`);
    }
  }
  for (const [name, s] of Object.entries(spec)) {
    const raw = ctx.params[name];
    if (raw === undefined || raw === null) {
      if (s.required) problems.push(`${name} is missing`);
      continue;
    }
    const value = coerce(raw, s.type);
    if (value === undefined) {
      problems.push(`${name} is invalid`);
      continue;
    }
    if (s.notBlank && value === '') {
      problems.push(`${name} is empty`);
      continue;
    }
    if (s.values && !s.values.includes(String(value))) {
      problems.push(`${name} does not have a valid value`);
      continue;
    }
    out[name] = value;
  }
  if (problems.length) throw badRequest(problems.join(', '));
  for (const [name, s] of Object.entries(spec))
    if (s.maxLength && typeof out[name] === 'string' && [...out[name]].length > s.maxLength.max)
      throw invalid(s.maxLength.field, `is too long (maximum is ${s.maxLength.max} characters)`);
  return out;
}

function coerce(raw: unknown, type: ParamType): unknown {
  switch (type) {
    case 'string':
      return typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : undefined;
    case 'integer': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
      return Number.isSafeInteger(n) ? n : undefined;
    }
    case 'float': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() ? Number(raw) : NaN;
      return Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return undefined;
    case 'labels': {
      // GitLab takes labels as a comma-separated string or an array of strings.
      const list = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : undefined;
      if (!list || !list.every((l) => typeof l === 'string')) return undefined;
      return (list as string[]).map((l) => l.trim()).filter(Boolean);
    }
    case 'integers':
      return Array.isArray(raw) && raw.every((n) => Number.isSafeInteger(Number(n))) ? raw.map(Number) : undefined;
    case 'object':
      return raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : undefined;
  }
}

/** GitLab omits X-Total, X-Total-Pages and the `last` link when a list has more than this many items. */
export const COUNT_LIMIT = 10_000;

/**
 * One page of a list, as GitLab's offset pagination answers it: `page` (from 1) and `per_page` (default 20,
 * at most 100: larger values are cut to 100, as GitLab does), headers X-Page, X-Per-Page, X-Next-Page and
 * X-Prev-Page (empty when none), X-Total and X-Total-Pages (left out beyond 10,000 items), and a Link header.
 */
export function paginate<T>(all: T[], ctx: RequestContext): { body: T[]; headers: Record<string, string> } {
  const p = checkPagination(ctx);
  const perPage = Math.min(100, p.perPage);
  if (p.perPage > 100)
    ctx.state.violations.push({
      method: ctx.method,
      path: ctx.url.pathname,
      problem: `per_page ${p.perPage} is over GitLab's maximum of 100 (GitLab answers 100)`,
    });
  const page = p.page;
  const counted = all.length <= COUNT_LIMIT;
  const totalPages = Math.max(1, Math.ceil(all.length / perPage));
  const hasNext = page * perPage < all.length;
  const link = (n: number) => {
    const u = new URL(ctx.url);
    u.searchParams.set('page', String(n));
    u.searchParams.set('per_page', String(perPage));
    return u.toString();
  };
  const links = [
    ...(page > 1 ? [`<${link(page - 1)}>; rel="prev"`] : []),
    ...(hasNext ? [`<${link(page + 1)}>; rel="next"`] : []),
    `<${link(1)}>; rel="first"`,
    ...(counted ? [`<${link(totalPages)}>; rel="last"`] : []),
  ];
  const headers: Record<string, string> = {
    'x-page': String(page),
    'x-per-page': String(perPage),
    'x-next-page': hasNext ? String(page + 1) : '',
    'x-prev-page': page > 1 ? String(page - 1) : '',
    link: links.join(', '),
  };
  if (counted) {
    headers['x-total'] = String(all.length);
    headers['x-total-pages'] = String(totalPages);
  }
  return { body: all.slice((page - 1) * perPage, page * perPage), headers };
}

function checkPagination(ctx: RequestContext): { page: number; perPage: number } {
  const read = (name: string, dflt: number) => {
    const raw = ctx.params[name];
    if (raw === undefined) return dflt;
    const n = coerce(raw, 'integer') as number | undefined;
    if (n === undefined) throw badRequest(`${name} is invalid`);
    if (n < 1) throw badRequest(`${name} does not have a valid value`);
    return n;
  };
  return { page: read('page', 1), perPage: read('per_page', 20) };
}
