// GitLab's inbound side of the forge port, as pure functions: verify a delivery (the `X-Gitlab-Token`
// secret and, when a signing token is configured, the Standard Webhooks `webhook-signature`), name it for
// dedupe (`Idempotency-Key`, which GitLab keeps on a retry), and turn its payload into the project's
// forge-neutral event with AOF's GitLab context variables. Nothing here reads the network or the clock
// except through its arguments.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { checkedDeliveryName, ForgePayloadError, header, type Headers } from '../inbound.js';
import { revertedMergeRequest } from './revert.js';

/** AOF's command keys for GitLab events. */
export type GitLabAction =
  | 'merge_request.open'
  | 'merge_request.update'
  | 'merge_request.merge'
  | 'merge_request.close'
  | 'merge_request.reopen'
  | 'merge_request.approved'
  | `pipeline.${PipelineStatus}`
  | 'push'
  | 'note';

export const PIPELINE_STATUSES = [
  'created',
  'waiting_for_resource',
  'preparing',
  'pending',
  'running',
  'success',
  'failed',
  'canceled',
  'skipped',
  'manual',
  'scheduled',
] as const;
export type PipelineStatus = (typeof PIPELINE_STATUSES)[number];

/** The GitLab context variables AOF documents, by name. */
export const CONTEXT_VARIABLES = [
  'event_type',
  'action',
  'project_id',
  'project_path',
  'user_id',
  'user_username',
  'mr_iid',
  'mr_title',
  'mr_state',
  'mr_draft',
  'mr_source_branch',
  'mr_target_branch',
  'mr_web_url',
  'ref',
  'before_sha',
  'after_sha',
  'commit_count',
] as const;
export type ContextVariable = (typeof CONTEXT_VARIABLES)[number];

export interface GitLabEvent {
  forge: 'gitlab';
  /** The `X-Gitlab-Event` header, e.g. `Merge Request Hook`. */
  eventName: string;
  repository: {
    /** The namespace path (`group/subgroup`), not the display name GitLab puts in `project.namespace`. */
    owner: string;
    name: string;
    /** `path_with_namespace`. */
    fullName: string;
    id: number;
  };
  /** The merge request's iid; absent for a push and for a pipeline that is not for a merge request. */
  number?: number;
  headSha?: string;
  /** The commit before: an update's `oldrev`, a push's `before`, a pipeline's `before_sha`. */
  baseSha?: string;
  sender: { login: string; id: number };
  action: GitLabAction;
  /**
   * For `merge_request.update`: true when the update brought new commits (`oldrev` present), false for an
   * edit of title, description, labels and the like.
   */
  newCommits?: boolean;
  comment?: { id: number; body: string };
  /** The merge request's author (`author_id`), for the self-approval rule: people are compared by id. */
  changeAuthorId?: number;
  /** A merged revert (GitLab's Revert button): the iid of the merge request of this project it reverts (revert.ts). */
  reverts?: number;
  /** AOF's context variables that apply to this event (text written by users stays data, never code). */
  contextVariables: Partial<Record<ContextVariable, string>>;
}

/** Why a delivery cannot be turned into an event: its content is wrong, or it is not one we act on. */
export class GitLabEventError extends ForgePayloadError {
  constructor(kind: 'invalid' | 'unsupported', path: string, problem: string) {
    super('GitLab', kind, path, problem);
    this.name = 'GitLabEventError';
  }
}

/** The `X-Gitlab-Event` of each hook handled here -> its payload's `object_kind`. */
export const GITLAB_HOOKS = {
  'Merge Request Hook': 'merge_request',
  'Note Hook': 'note',
  'Pipeline Hook': 'pipeline',
  'Push Hook': 'push',
} as const;

/** The headers GitLab sends with a delivery (lower case, as `header` reads them). */
export const GITLAB_HEADERS = {
  event: 'x-gitlab-event',
  token: 'x-gitlab-token',
  eventUuid: 'x-gitlab-event-uuid',
  webhookUuid: 'x-gitlab-webhook-uuid',
  instance: 'x-gitlab-instance',
  idempotencyKey: 'idempotency-key',
} as const;

// ---------------------------------------------------------------- verification

/**
 * Whether `X-Gitlab-Token` equals the configured secret, in constant time: both are hashed to equal-length
 * SHA-256 digests first, so neither the content nor the length of the secret leaks through timing.
 */
export function verifyGitLabToken(received: string | undefined, secret: string): boolean {
  if (!secret) throw new Error('GitLab webhook secret is empty');
  if (received === undefined) return false;
  const a = createHash('sha256').update(received, 'utf8').digest();
  const b = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The HMAC key of a Standard Webhooks signing token: `whsec_<base64>` (the prefix is optional). */
export function signingKey(signingToken: string): Buffer {
  const b64 = signingToken.startsWith('whsec_') ? signingToken.slice('whsec_'.length) : signingToken;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error('GitLab signing token is not whsec_<base64>');
  const key = Buffer.from(b64, 'base64');
  if (!key.length) throw new Error('GitLab signing token is empty');
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, as GitLab signs a delivery. */
export function signGitLabDelivery(signingToken: string, id: string, timestamp: number, body: Buffer | string): string {
  const mac = createHmac('sha256', signingKey(signingToken))
    .update(`${id}.${timestamp}.`)
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest('base64');
  return `v1,${mac}`;
}

export interface SignatureCheck {
  headers: Headers;
  body: Buffer | string;
  signingToken: string;
  /** Seconds since the epoch. */
  nowSeconds: number;
  /** How far `webhook-timestamp` may be from now; 5 minutes by default, as Standard Webhooks advise. */
  toleranceSeconds?: number;
}

export type VerifyFailure =
  'missing_token' | 'bad_token' | 'missing_signature' | 'bad_signature' | 'stale_timestamp' | 'not_configured';
export type VerifyResult = { ok: true; by: ('token' | 'signature')[] } | { ok: false; reason: VerifyFailure };

/**
 * Checks `webhook-signature` (a space-separated list of `v1,<base64>`; any one matching is enough) over
 * `webhook-id`, `webhook-timestamp` and the raw body, and that the timestamp is recent.
 */
export function verifyGitLabSignature(c: SignatureCheck): VerifyResult {
  const id = header(c.headers, 'webhook-id');
  const ts = header(c.headers, 'webhook-timestamp');
  const sigs = header(c.headers, 'webhook-signature');
  if (!id || !ts || !sigs) return { ok: false, reason: 'missing_signature' };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'bad_signature' };
  if (Math.abs(c.nowSeconds - Number(ts)) > (c.toleranceSeconds ?? 300))
    return { ok: false, reason: 'stale_timestamp' };
  const expected = Buffer.from(signGitLabDelivery(c.signingToken, id, Number(ts), c.body).slice(3), 'base64');
  for (const sig of sigs.split(' ')) {
    const [version, value] = sig.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const got = Buffer.from(value, 'base64');
    if (got.length === expected.length && timingSafeEqual(got, expected)) return { ok: true, by: ['signature'] };
  }
  return { ok: false, reason: 'bad_signature' };
}

/**
 * Verifies a delivery against one tenant's configuration: its secret token (`X-Gitlab-Token`) and/or its
 * signing token (`webhook-signature`). Each one configured must hold; with neither configured nothing is
 * accepted.
 */
export function verifyGitLabDelivery(input: {
  headers: Headers;
  body: Buffer | string;
  secret?: string;
  signingToken?: string;
  nowSeconds: number;
  toleranceSeconds?: number;
}): VerifyResult {
  if (!input.secret && !input.signingToken) return { ok: false, reason: 'not_configured' };
  const by: ('token' | 'signature')[] = [];
  if (input.secret) {
    const received = header(input.headers, GITLAB_HEADERS.token);
    if (received === undefined) return { ok: false, reason: 'missing_token' };
    if (!verifyGitLabToken(received, input.secret)) return { ok: false, reason: 'bad_token' };
    by.push('token');
  }
  if (input.signingToken) {
    const signed = verifyGitLabSignature({ ...input, signingToken: input.signingToken });
    if (!signed.ok) return signed;
    by.push('signature');
  }
  return { ok: true, by };
}

/**
 * The name a delivery is deduplicated by: `Idempotency-Key` (GitLab 17.4+; the same on every retry of a
 * delivery, and what `webhook-id` carries), else `webhook-id`. `X-Gitlab-Event-UUID` changes on a resend,
 * so it is only a last resort for older GitLab (`stable: false`: a redelivery will not be recognised).
 */
export function gitlabDeliveryName(headers: Headers): { name: string; stable: boolean } {
  for (const h of [GITLAB_HEADERS.idempotencyKey, 'webhook-id']) {
    const v = header(headers, h)?.trim();
    if (v) return { name: checkedDeliveryName('GitLab', v, h), stable: true };
  }
  const uuid = header(headers, GITLAB_HEADERS.eventUuid)?.trim();
  if (uuid) return { name: checkedDeliveryName('GitLab', uuid, 'X-Gitlab-Event-UUID'), stable: false };
  throw new GitLabEventError('invalid', '', 'no Idempotency-Key, webhook-id or X-Gitlab-Event-UUID header');
}

// ---------------------------------------------------------------- normalisation

const SHA = /^[0-9a-f]{40}$/;

/** Typed reads of an untrusted payload: each failure names the field's path. */
class Reader {
  constructor(
    private readonly value: unknown,
    readonly path: string,
  ) {}

  private at(key: string): Reader {
    const obj = this.value as Record<string, unknown>;
    return new Reader(obj[key], this.path ? `${this.path}.${key}` : key);
  }

  object(key: string): Reader {
    const r = this.at(key);
    if (!r.isObject()) throw new GitLabEventError('invalid', r.path, `expected an object, got ${describe(r.value)}`);
    return r;
  }

  optionalObject(key: string): Reader | undefined {
    const r = this.at(key);
    if (r.value === undefined || r.value === null) return undefined;
    if (!r.isObject()) throw new GitLabEventError('invalid', r.path, `expected an object, got ${describe(r.value)}`);
    return r;
  }

  isObject(): boolean {
    return typeof this.value === 'object' && this.value !== null && !Array.isArray(this.value);
  }

  id(key: string): number {
    const r = this.at(key);
    if (typeof r.value !== 'number' || !Number.isSafeInteger(r.value) || r.value < 1)
      throw new GitLabEventError('invalid', r.path, `expected a positive integer, got ${describe(r.value)}`);
    return r.value;
  }

  optionalId(key: string): number | undefined {
    return this.at(key).value === undefined || this.at(key).value === null ? undefined : this.id(key);
  }

  count(key: string): number {
    const r = this.at(key);
    if (typeof r.value !== 'number' || !Number.isSafeInteger(r.value) || r.value < 0)
      throw new GitLabEventError('invalid', r.path, `expected a non-negative integer, got ${describe(r.value)}`);
    return r.value;
  }

  string(key: string, { nonEmpty = false } = {}): string {
    const r = this.at(key);
    if (typeof r.value !== 'string')
      throw new GitLabEventError('invalid', r.path, `expected a string, got ${describe(r.value)}`);
    if (nonEmpty && !r.value) throw new GitLabEventError('invalid', r.path, 'expected a non-empty string');
    return r.value;
  }

  optionalString(key: string): string | undefined {
    const v = this.at(key).value;
    return v === undefined || v === null ? undefined : this.string(key);
  }

  sha(key: string): string {
    const r = this.at(key);
    if (typeof r.value !== 'string' || !SHA.test(r.value))
      throw new GitLabEventError('invalid', r.path, `expected a 40-character hex SHA, got ${describe(r.value)}`);
    return r.value;
  }

  optionalSha(key: string): string | undefined {
    const v = this.at(key).value;
    return v === undefined || v === null ? undefined : this.sha(key);
  }

  boolean(key: string): boolean {
    const r = this.at(key);
    if (typeof r.value !== 'boolean')
      throw new GitLabEventError('invalid', r.path, `expected a boolean, got ${describe(r.value)}`);
    return r.value;
  }

  optionalBoolean(key: string): boolean | undefined {
    const v = this.at(key).value;
    return v === undefined || v === null ? undefined : this.boolean(key);
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T {
    const r = this.at(key);
    if (typeof r.value !== 'string' || !values.includes(r.value as T))
      throw new GitLabEventError('invalid', r.path, `expected one of ${values.join(', ')}, got ${describe(r.value)}`);
    return r.value as T;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters` : JSON.stringify(v);
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function repositoryOf(payload: Reader): GitLabEvent['repository'] {
  const project = payload.object('project');
  const id = project.id('id');
  const fullName = project.string('path_with_namespace', { nonEmpty: true });
  const parts = fullName.split('/');
  if (parts.length < 2 || parts.some((p) => !p))
    throw new GitLabEventError(
      'invalid',
      `${project.path}.path_with_namespace`,
      `expected "namespace/project", got ${describe(fullName)}`,
    );
  return { owner: parts.slice(0, -1).join('/'), name: parts.at(-1)!, fullName, id };
}

/** The sender of MR, note and pipeline hooks (`user`), with its path for errors. */
function userOf(payload: Reader): GitLabEvent['sender'] {
  const user = payload.object('user');
  return { id: user.id('id'), login: user.string('username', { nonEmpty: true }) };
}

const MR_ACTIONS = ['open', 'update', 'merge', 'close', 'reopen', 'approved'] as const;
const MR_STATES = ['opened', 'closed', 'merged', 'locked'] as const;

/** The MR fields the context variables need, from a Merge Request Hook's `object_attributes` or a Note Hook's `merge_request`. */
function mergeRequestVariables(mr: Reader, project: Reader) {
  const draft = mr.optionalBoolean('draft') ?? mr.optionalBoolean('work_in_progress');
  if (draft === undefined) throw new GitLabEventError('invalid', `${mr.path}.draft`, 'expected a boolean, got nothing');
  const authorId = mr.optionalId('author_id');
  return {
    iid: mr.id('iid'),
    headSha: mr.object('last_commit').sha('id'),
    ...(authorId !== undefined ? { authorId } : {}),
    vars: {
      mr_iid: String(mr.id('iid')),
      mr_title: mr.string('title'),
      mr_state: mr.oneOf('state', MR_STATES),
      mr_draft: String(draft),
      mr_source_branch: mr.string('source_branch', { nonEmpty: true }),
      mr_target_branch: mr.string('target_branch', { nonEmpty: true }),
      // A Note Hook's merge_request has no `url`: it is the project's web URL and the iid.
      mr_web_url:
        mr.optionalString('url') ?? `${project.string('web_url', { nonEmpty: true })}/-/merge_requests/${mr.id('iid')}`,
    },
  };
}

/**
 * Turns a delivery (its `X-Gitlab-Event` header and parsed JSON body) into the project's event. Throws
 * GitLabEventError: `invalid` when a field is missing or of the wrong type (with its path), `unsupported`
 * for events and actions the product does not act on (an edited or system note, a note on an issue, an
 * individual approval, other hooks).
 */
export function normalizeGitLabEvent(eventName: string, body: unknown): GitLabEvent {
  const payload = new Reader(body, '');
  if (!payload.isObject()) throw new GitLabEventError('invalid', '', `expected a JSON object, got ${describe(body)}`);
  const kind = payload.string('object_kind', { nonEmpty: true });
  const expectedKind: Record<string, string> = GITLAB_HOOKS;
  if (!(eventName in expectedKind))
    throw new GitLabEventError('unsupported', '', `X-Gitlab-Event ${JSON.stringify(eventName)} is not handled`);
  if (expectedKind[eventName] !== kind)
    throw new GitLabEventError(
      'invalid',
      'object_kind',
      `${JSON.stringify(kind)} does not match X-Gitlab-Event ${eventName}`,
    );
  const repository = repositoryOf(payload);
  const base = {
    event_type: kind,
    project_id: String(repository.id),
    project_path: repository.fullName,
  };

  if (kind === 'merge_request') {
    const sender = userOf(payload);
    const attrs = payload.object('object_attributes');
    const rawAction = attrs.string('action', { nonEmpty: true });
    if (!(MR_ACTIONS as readonly string[]).includes(rawAction))
      throw new GitLabEventError(
        'unsupported',
        `${attrs.path}.action`,
        `merge request action ${JSON.stringify(rawAction)} is not handled`,
      );
    const action = rawAction as (typeof MR_ACTIONS)[number];
    const mr = mergeRequestVariables(attrs, payload.object('project'));
    const oldrev = attrs.optionalSha('oldrev');
    const description = (body as { object_attributes: { description?: unknown } }).object_attributes.description;
    const reverts = revertedMergeRequest({ action, iid: mr.iid, description }, repository.fullName);
    return {
      forge: 'gitlab',
      eventName,
      repository,
      number: mr.iid,
      headSha: mr.headSha,
      ...(oldrev ? { baseSha: oldrev } : {}),
      ...(mr.authorId !== undefined ? { changeAuthorId: mr.authorId } : {}),
      ...(reverts !== undefined ? { reverts } : {}),
      sender,
      action: `merge_request.${action}`,
      ...(action === 'update' ? { newCommits: oldrev !== undefined } : {}),
      contextVariables: {
        ...base,
        action,
        user_id: String(sender.id),
        user_username: sender.login,
        ...mr.vars,
        ref: mr.vars.mr_source_branch,
        ...(oldrev ? { before_sha: oldrev } : {}),
        after_sha: mr.headSha,
      },
    };
  }

  if (kind === 'note') {
    const sender = userOf(payload);
    const attrs = payload.object('object_attributes');
    const noteable = attrs.string('noteable_type', { nonEmpty: true });
    if (noteable !== 'MergeRequest')
      throw new GitLabEventError(
        'unsupported',
        `${attrs.path}.noteable_type`,
        `notes on a ${noteable} are not handled`,
      );
    // `action` exists from GitLab 16.11; before, every note hook was a creation.
    const noteAction = attrs.optionalString('action') ?? 'create';
    if (noteAction !== 'create')
      throw new GitLabEventError(
        'unsupported',
        `${attrs.path}.action`,
        `note action ${JSON.stringify(noteAction)} is not handled`,
      );
    if (attrs.optionalBoolean('system'))
      throw new GitLabEventError('unsupported', `${attrs.path}.system`, 'system notes are not handled');
    const comment = { id: attrs.id('id'), body: attrs.string('note') };
    const mr = mergeRequestVariables(payload.object('merge_request'), payload.object('project'));
    return {
      forge: 'gitlab',
      eventName,
      repository,
      number: mr.iid,
      headSha: mr.headSha,
      ...(mr.authorId !== undefined ? { changeAuthorId: mr.authorId } : {}),
      sender,
      action: 'note',
      comment,
      contextVariables: {
        ...base,
        action: 'create',
        user_id: String(sender.id),
        user_username: sender.login,
        ...mr.vars,
        ref: mr.vars.mr_source_branch,
        after_sha: mr.headSha,
      },
    };
  }

  if (kind === 'pipeline') {
    const sender = userOf(payload);
    const attrs = payload.object('object_attributes');
    const status = attrs.oneOf('status', PIPELINE_STATUSES);
    const sha = attrs.sha('sha');
    const before = attrs.optionalSha('before_sha');
    const mr = payload.optionalObject('merge_request');
    const iid = mr?.id('iid');
    return {
      forge: 'gitlab',
      eventName,
      repository,
      ...(iid !== undefined ? { number: iid } : {}),
      headSha: sha,
      ...(before ? { baseSha: before } : {}),
      sender,
      action: `pipeline.${status}`,
      contextVariables: {
        ...base,
        action: status,
        user_id: String(sender.id),
        user_username: sender.login,
        ...(mr
          ? {
              mr_iid: String(iid),
              mr_title: mr.string('title'),
              mr_state: mr.oneOf('state', MR_STATES),
              mr_source_branch: mr.string('source_branch', { nonEmpty: true }),
              mr_target_branch: mr.string('target_branch', { nonEmpty: true }),
              mr_web_url: mr.string('url', { nonEmpty: true }),
            }
          : {}),
        ref: attrs.string('ref', { nonEmpty: true }),
        ...(before ? { before_sha: before } : {}),
        after_sha: sha,
      },
    };
  }

  // Push Hook: the sender is in user_id / user_username, the SHAs in before / after (all zeros for a
  // created or deleted branch).
  const sender = { id: payload.id('user_id'), login: payload.string('user_username', { nonEmpty: true }) };
  const before = payload.sha('before');
  const after = payload.sha('after');
  const ref = payload.string('ref', { nonEmpty: true });
  return {
    forge: 'gitlab',
    eventName,
    repository,
    headSha: after,
    baseSha: before,
    sender,
    action: 'push',
    contextVariables: {
      ...base,
      action: 'push',
      user_id: String(sender.id),
      user_username: sender.login,
      ref,
      before_sha: before,
      after_sha: after,
      commit_count: String(payload.count('total_commits_count')),
    },
  };
}
