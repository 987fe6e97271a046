// What every forge adapter's inbound side needs besides its own payload shapes: reading a header whatever
// its case, a delivery name fit for a workflow id, and typed reads of an untrusted payload whose failures
// name the field's path (answered 400 by the ingress). Pure functions.
import { createHash } from 'node:crypto';

export type Headers = Record<string, string | string[] | undefined>;

export function header(headers: Headers, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) return Array.isArray(v) ? v[0] : v;
  return undefined;
}

/** Why a delivery cannot be turned into an event: its content is wrong, or it is not one we act on. */
export class ForgePayloadError extends Error {
  constructor(
    /** The forge as users read it: `Bitbucket`. */
    readonly forge: string,
    readonly kind: 'invalid' | 'unsupported',
    /** Where in the payload, e.g. `pullrequest.id` ('' for the whole payload or a header). */
    readonly path: string,
    readonly problem: string,
  ) {
    super(
      `${forge} ${kind === 'invalid' ? 'payload invalid' : 'event not handled'}${path ? ` at ${path}` : ''}: ${problem}`,
    );
    this.name = 'ForgePayloadError';
  }
}

/** A delivery id as a header gave it, checked: short and printable (it ends up in workflow ids). */
export function checkedDeliveryName(forge: string, value: string, from: string): string {
  if (value.length > 200 || !/^[\x21-\x7e]+$/.test(value))
    throw new ForgePayloadError(forge, 'invalid', '', `${from} is not a printable id of at most 200 characters`);
  return value;
}

/** The delivery id workflows are named by: the forge's own when it is a plain token, else its hash. */
export function deliveryIdOf(name: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/.test(name) ? name : createHash('sha256').update(name).digest('hex');
}

export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters` : JSON.stringify(v);
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** A full (40) or abbreviated (Bitbucket Cloud's webhooks send 12 characters) commit hash. */
const COMMIT_HASH = /^[0-9a-f]{7,40}$/;

/** Typed reads of an untrusted payload: each failure is a ForgePayloadError naming the field's path. */
export class PayloadReader {
  constructor(
    readonly forge: string,
    readonly value: unknown,
    readonly path = '',
  ) {}

  private invalid(problem: string): never {
    throw new ForgePayloadError(this.forge, 'invalid', this.path, problem);
  }

  at(key: string | number): PayloadReader {
    const v = this.value as Record<string | number, unknown> | undefined;
    const path = typeof key === 'number' ? `${this.path}[${key}]` : this.path ? `${this.path}.${key}` : key;
    return new PayloadReader(this.forge, v?.[key], path);
  }

  get absent(): boolean {
    return this.value === undefined || this.value === null;
  }

  isObject(): boolean {
    return typeof this.value === 'object' && this.value !== null && !Array.isArray(this.value);
  }

  object(key: string): PayloadReader {
    const r = this.at(key);
    if (!r.isObject()) r.invalid(`expected an object, got ${describe(r.value)}`);
    return r;
  }

  optionalObject(key: string): PayloadReader | undefined {
    const r = this.at(key);
    return r.absent ? undefined : this.object(key);
  }

  /** A non-empty array's readers. */
  list(key: string): PayloadReader[] {
    const r = this.at(key);
    if (!Array.isArray(r.value) || r.value.length === 0)
      r.invalid(`expected a non-empty array, got ${describe(r.value)}`);
    return (r.value as unknown[]).map((_, i) => r.at(i));
  }

  /** The length of an array (empty allowed). */
  count(key: string): number {
    const r = this.at(key);
    if (!Array.isArray(r.value)) r.invalid(`expected an array, got ${describe(r.value)}`);
    return (r.value as unknown[]).length;
  }

  id(key: string): number {
    const r = this.at(key);
    if (typeof r.value !== 'number' || !Number.isSafeInteger(r.value) || r.value < 1)
      r.invalid(`expected a positive integer, got ${describe(r.value)}`);
    return r.value as number;
  }

  string(key: string, { nonEmpty = false } = {}): string {
    const r = this.at(key);
    if (typeof r.value !== 'string') r.invalid(`expected a string, got ${describe(r.value)}`);
    if (nonEmpty && !r.value) r.invalid('expected a non-empty string');
    return r.value as string;
  }

  optionalString(key: string): string | undefined {
    return this.at(key).absent ? undefined : this.string(key);
  }

  boolean(key: string): boolean {
    const r = this.at(key);
    if (typeof r.value !== 'boolean') r.invalid(`expected a boolean, got ${describe(r.value)}`);
    return r.value as boolean;
  }

  optionalBoolean(key: string): boolean | undefined {
    return this.at(key).absent ? undefined : this.boolean(key);
  }

  commitHash(key: string): string {
    const r = this.at(key);
    if (typeof r.value !== 'string' || !COMMIT_HASH.test(r.value))
      r.invalid(`expected a hex commit hash, got ${describe(r.value)}`);
    return r.value as string;
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T {
    const r = this.at(key);
    if (typeof r.value !== 'string' || !values.includes(r.value as T))
      r.invalid(`expected one of ${values.join(', ')}, got ${describe(r.value)}`);
    return r.value as T;
  }
}

/** What every forge's event says in its own words, from which the port's common fields are made. */
export interface VerifiedChange {
  repository: { fullName: string; owner: string; name: string };
  sender: { login: string };
  /** The pull or merge request, if the event is about one. */
  number?: number;
  headSha?: string;
  title?: string;
  comment?: { id: number; body: string };
}

/**
 * The port's fields every forge fills alike: the pull or merge request a gate reviews (a comment's head is
 * read by the gate when it runs: a `/review` says nothing about the commit), and the context variables
 * every forge's runs read besides the forge's own (repo_full_name, pr_number, sender_login...).
 */
export function commonEventFields(e: VerifiedChange) {
  const aboutChange = e.number !== undefined;
  return {
    review: aboutChange ? { number: e.number!, ...(e.comment ? {} : { headSha: e.headSha }) } : undefined,
    metadata: {
      repo_full_name: e.repository.fullName,
      repo_owner: e.repository.owner,
      repo_name: e.repository.name,
      sender_login: e.sender.login,
      ...(aboutChange ? { pr_number: e.number, pr_head_sha: e.headSha, pr_title: e.title } : {}),
      ...(e.comment ? { comment_id: e.comment.id, comment_body: e.comment.body, is_pr_comment: aboutChange } : {}),
    },
  };
}
