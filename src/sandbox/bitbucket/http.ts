// The Bitbucket sandbox's HTTP vocabulary: Bitbucket Cloud's error body (`{"type": "error", "error":
// {"message": ...}}`) and Data Center's (`{"errors": [{"context", "message", "exceptionName"}]}`), their paged
// lists (Cloud: `values`, `page`, `pagelen`, `size`, `next` as a full URL; Data Center: `values`, `start`,
// `limit`, `size`, `isLastPage`, `nextPageStart`), and
// parameter checks (an undocumented parameter is refused and recorded, so that the product never believes
// Bitbucket acted on one it ignores).
import type { BitbucketState, BitbucketUser } from './state.js';

export class BitbucketHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The error body in the API's shape. */
  bodyOf(flavor: Flavor) {
    return flavor === 'data-center'
      ? { errors: [{ context: null, message: this.message, exceptionName: null }] }
      : { type: 'error', error: { message: this.message } };
  }
}

/** Which API a request speaks: Cloud's (`/2.0/...`) or Data Center's (`/rest/...`). */
export type Flavor = 'cloud' | 'data-center';

export const notFound = (message = 'Resource not found') => new BitbucketHttpError(404, message);
export const badRequest = (message: string) => new BitbucketHttpError(400, message);
export const forbidden = (message = 'Your credentials lack one or more required privilege scopes.') =>
  new BitbucketHttpError(403, message);

/**
 * Refuses (400, `message`) a field that is there but no string of at most `max` characters, or that is
 * `required` and missing or empty.
 */
export function checkText(v: unknown, message: string, o: { required?: boolean; max?: number } = {}): void {
  if (v === undefined && !o.required) return;
  if (typeof v !== 'string' || (o.required && !v) || v.length > (o.max ?? Infinity)) throw badRequest(message);
}

/** Refuses (400, `message`) a field that is there but not one of `choices`, or that is `required` and missing. */
export function checkChoice(v: unknown, choices: string[], message: string, o: { required?: boolean } = {}): void {
  if (v === undefined && !o.required) return;
  if (!choices.includes(v as string)) throw badRequest(message);
}

/** Refuses (400, `message`) a line that is there but no integer of at least `least`. */
export function checkLine(v: unknown, least: number, message: string): void {
  if (v !== undefined && (!Number.isInteger(v) || (v as number) < least)) throw badRequest(message);
}

export interface RequestContext {
  method: string;
  segments: string[];
  /** Query parameters (body apart: Bitbucket takes JSON bodies, never form fields mixed with the query). */
  query: Record<string, string>;
  body: unknown;
  user: BitbucketUser;
  state: BitbucketState;
  url: URL;
  flavor: Flavor;
}

export interface Answer {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  type?: string;
  /** Whether this request changed state (its answer may then be failed by fault injection). */
  wrote?: boolean;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Segments after /2.0 (Data Center: after /rest); `:name` matches one segment (`:name.diff` one ending so), `*` the rest. */
  pattern: string;
  handler: (ctx: RequestContext, params: string[]) => Answer;
}

export function matchRoute(route: Route, method: string, segments: string[]): string[] | undefined {
  if (route.method !== method) return undefined;
  const parts = route.pattern.split('/').filter(Boolean);
  const rest = parts.at(-1) === '*';
  if (rest ? segments.length < parts.length : parts.length !== segments.length) return undefined;
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === '*') out.push(segments.slice(i).join('/'));
    else if (parts[i]!.startsWith(':')) {
      const suffix = parts[i]!.includes('.') ? parts[i]!.slice(parts[i]!.indexOf('.')) : '';
      if (suffix && !segments[i]!.endsWith(suffix)) return undefined;
      out.push(suffix ? segments[i]!.slice(0, -suffix.length) : segments[i]!);
    } else if (parts[i] !== segments[i]) return undefined;
  }
  return out;
}

/** Refuses query parameters the endpoint does not document (400, recorded in `violations`). */
export function allowQuery(ctx: RequestContext, names: string[]): void {
  for (const name of Object.keys(ctx.query))
    if (!names.includes(name)) {
      ctx.state.violations.push({
        method: ctx.method,
        path: ctx.url.pathname,
        problem: `undocumented parameter ${name}`,
      });
      throw badRequest(`${name} is not a parameter of this endpoint`);
    }
}

/** Refuses body fields the endpoint does not document. */
export function allowFields(ctx: RequestContext, body: unknown, names: string[]): Record<string, any> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('a JSON object is required');
  for (const name of Object.keys(body))
    if (!names.includes(name)) {
      ctx.state.violations.push({ method: ctx.method, path: ctx.url.pathname, problem: `undocumented field ${name}` });
      throw badRequest(`${name}: unknown field`);
    }
  return body as Record<string, any>;
}

export const PAGE_PARAMS = ['page', 'pagelen'];

/** One page of `values` (`pagelen` from 1 to `max`, default `dflt`), with `next` as a full URL when more remain. */
export function paginate<T>(ctx: RequestContext, values: T[], dflt = 10, max = 100): Answer {
  const pagelen = ctx.query.pagelen === undefined ? dflt : Number(ctx.query.pagelen);
  const page = ctx.query.page === undefined ? 1 : Number(ctx.query.page);
  if (!Number.isInteger(pagelen) || pagelen < 1 || pagelen > max)
    throw badRequest(`Invalid pagelen: ${ctx.query.pagelen}`);
  if (!Number.isInteger(page) || page < 1) throw badRequest(`Invalid page: ${ctx.query.page}`);
  const slice = values.slice((page - 1) * pagelen, page * pagelen);
  const body: Record<string, unknown> = { pagelen, size: values.length, page, values: slice };
  if (page * pagelen < values.length) {
    const next = new URL(ctx.url);
    next.searchParams.set('page', String(page + 1));
    body.next = next.toString();
  }
  return { body };
}

export const DC_PAGE_PARAMS = ['start', 'limit'];

/** One Data Center page of `values` from `start` (`limit` from 1, default `dflt`, at most `max`). */
export function pageOf<T>(ctx: RequestContext, values: T[], dflt = 25, max = 1000): Answer {
  const limit = ctx.query.limit === undefined ? dflt : Math.min(Number(ctx.query.limit), max);
  const start = ctx.query.start === undefined ? 0 : Number(ctx.query.start);
  if (!Number.isInteger(limit) || limit < 1) throw badRequest(`Invalid limit: ${ctx.query.limit}`);
  if (!Number.isInteger(start) || start < 0) throw badRequest(`Invalid start: ${ctx.query.start}`);
  const slice = values.slice(start, start + limit);
  const isLastPage = start + limit >= values.length;
  return {
    body: {
      size: slice.length,
      limit,
      start,
      isLastPage,
      values: slice,
      ...(isLastPage ? {} : { nextPageStart: start + limit }),
    },
  };
}
