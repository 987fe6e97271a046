// Bitbucket's inbound side of the forge port, as pure functions: verify a delivery (`X-Hub-Signature:
// sha256=<hex HMAC-SHA256 of the raw body>`, mandatory), name it for dedupe (Cloud's `X-Request-UUID`,
// Data Center's `X-Request-Id`), and turn `X-Event-Key` and its payload (Cloud or Data Center) into the
// project's forge-neutral event with AOF's Bitbucket context variables. Data Center's event keys map to
// the Cloud keys AOF's command keys use (`pr:opened` -> `pullrequest:created`).
import { verifyingKey } from '../../ingress/signature.js';
import { checkedDeliveryName, describe, ForgePayloadError, header, PayloadReader, type Headers } from '../inbound.js';

export type { Headers };

const FORGE = 'Bitbucket';

/** The headers Bitbucket sends with a delivery (lower case). */
export const BITBUCKET_HEADERS = {
  event: 'x-event-key',
  signature: 'x-hub-signature',
  /** Cloud: the delivery; the same on a resend from the webhook's request history. */
  requestUuid: 'x-request-uuid',
  /** Data Center: the delivery. */
  requestId: 'x-request-id',
  hookUuid: 'x-hook-uuid',
  attempt: 'x-attempt-number',
} as const;

/** The command keys (AOF's: Bitbucket Cloud's event keys) of the events handled here. */
export const BITBUCKET_COMMAND_KEYS = [
  'pullrequest:created',
  'pullrequest:updated',
  'pullrequest:fulfilled',
  'pullrequest:rejected',
  'pullrequest:approved',
  'pullrequest:comment_created',
  'repo:push',
  'repo:commit_status_updated',
] as const;
export type BitbucketCommandKey = (typeof BITBUCKET_COMMAND_KEYS)[number];

/** Data Center's event keys -> the command key they are routed by. */
export const DATA_CENTER_KEYS: Record<string, BitbucketCommandKey> = {
  'pr:opened': 'pullrequest:created',
  'pr:from_ref_updated': 'pullrequest:updated',
  'pr:modified': 'pullrequest:updated',
  'pr:merged': 'pullrequest:fulfilled',
  'pr:declined': 'pullrequest:rejected',
  'pr:reviewer:approved': 'pullrequest:approved',
  'pr:comment:added': 'pullrequest:comment_created',
  'repo:refs_changed': 'repo:push',
};

/** Data Center's test delivery ("Test connection"): unsigned, answered, and starting nothing. */
export const PING_EVENT = 'diagnostics:ping';

/** AOF's Bitbucket context variables, by name. */
export const CONTEXT_VARIABLES = [
  'event_type',
  'repo_uuid',
  'repo_full_name',
  'repo_private',
  'actor_uuid',
  'actor_display_name',
  'pr_id',
  'pr_title',
  'pr_state',
  'pr_source_branch',
  'pr_dest_branch',
  'pr_source_commit',
  'pr_dest_commit',
  'pr_html_url',
  'branch',
  'commit_hash',
  'commit_count',
] as const;
export type ContextVariable = (typeof CONTEXT_VARIABLES)[number];

export type BitbucketFlavor = 'cloud' | 'data-center';

export interface BitbucketEvent {
  forge: 'bitbucket';
  flavor: BitbucketFlavor;
  /** `X-Event-Key` as sent: `pullrequest:created`, `pr:opened`. */
  eventKey: string;
  /** The command key it routes by (Cloud's event key). */
  key: BitbucketCommandKey;
  repository: {
    /** Cloud: the workspace; Data Center: the project key. */
    owner: string;
    name: string;
    /** `workspace/repo_slug` (Cloud's `full_name`) or `PROJECT/repo_slug` (Data Center). */
    fullName: string;
  };
  /** The pull request's id; absent for pushes and commit statuses. */
  number?: number;
  /**
   * The pull request's source commit, a push's new head, a status's commit. Cloud's webhooks abbreviate
   * hashes (12 characters); Data Center's are full.
   */
  headSha?: string;
  /** A push's previous head (Cloud: `old.target.hash`; Data Center: `fromHash`), a source update's previous source commit. */
  baseSha?: string;
  /** Cloud's account nickname, Data Center's user name; `uuid`: Cloud's account uuid, Data Center's user id. */
  sender: { login: string; bot: boolean; uuid: string };
  /** The pull request's author, for the self-approval rule. */
  author?: string;
  /** The author's account uuid (Data Center: user id): compared, unlike the nickname, cannot be taken by another. */
  authorUuid?: string;
  /**
   * For `pullrequest:updated`: whether the source branch moved. Data Center says so (`pr:from_ref_updated`
   * against `pr:modified`); Cloud sends the same key for both (undefined: the gate's own record of reviewed
   * heads decides, see docs/forges.md).
   */
  newCommits?: boolean;
  comment?: { id: number; body: string };
  /** A push to a tag, or a status on a tag: no branch (null). */
  branch?: string | null;
  contextVariables: Partial<Record<ContextVariable, string>>;
}

// ---------------------------------------------------------------- verification

export type VerifyFailure = 'not_configured' | 'missing_signature' | 'bad_signature';

/**
 * The first of `keys` whose secret signed the raw body (`X-Hub-Signature: sha256=<hex>`), compared in
 * constant time over every key; a failure says why (never which secret). No key: nothing is accepted.
 */
export function verifyBitbucketDelivery<K extends { secret: string }>(
  headers: Headers,
  body: Buffer,
  keys: readonly K[],
): { ok: true; key: K } | { ok: false; reason: VerifyFailure } {
  if (keys.length === 0) return { ok: false, reason: 'not_configured' };
  const signature = header(headers, BITBUCKET_HEADERS.signature);
  if (!signature) return { ok: false, reason: 'missing_signature' };
  const key = verifyingKey(keys, body, signature);
  return key ? { ok: true, key } : { ok: false, reason: 'bad_signature' };
}

/** Cloud's `X-Request-UUID`, else Data Center's `X-Request-Id`: the name a delivery is deduplicated by. */
export function bitbucketDeliveryName(headers: Headers): string {
  for (const [h, label] of [
    [BITBUCKET_HEADERS.requestUuid, 'X-Request-UUID'],
    [BITBUCKET_HEADERS.requestId, 'X-Request-Id'],
  ] as const) {
    const v = header(headers, h)?.trim();
    // Cloud writes UUIDs in braces in payloads; either form names the same delivery.
    if (v) return checkedDeliveryName(FORGE, v.replace(/^\{(.*)\}$/, '$1'), label);
  }
  throw new ForgePayloadError(FORGE, 'invalid', '', 'no X-Request-UUID or X-Request-Id header');
}

// ---------------------------------------------------------------- normalisation

const unsupported = (path: string, problem: string) => new ForgePayloadError(FORGE, 'unsupported', path, problem);

function splitFullName(r: PayloadReader, key: string, fullName: string) {
  const parts = fullName.split('/');
  if (parts.length !== 2 || parts.some((p) => !p))
    throw new ForgePayloadError(
      FORGE,
      'invalid',
      r.at(key).path,
      `expected "owner/repository", got ${describe(fullName)}`,
    );
  return { owner: parts[0]!, name: parts[1]!, fullName };
}

/** Cloud's Account entity; apps (`app_user`) are bots. */
function cloudAccount(a: PayloadReader) {
  const type = a.optionalString('type');
  const uuid = a.string('uuid', { nonEmpty: true });
  const display = a.string('display_name');
  // `nickname` replaced usernames (2019); it is what people recognise, and what allowed_users lists.
  const login = a.optionalString('nickname') || a.optionalString('account_id') || uuid;
  return { login, bot: type === 'app_user', uuid, display };
}

/** Data Center's User entity; service accounts (access tokens' users) are `SERVICE`. */
function dcUser(u: PayloadReader) {
  return {
    login: u.string('name', { nonEmpty: true }),
    bot: u.optionalString('type') === 'SERVICE',
    uuid: String(u.id('id')),
    display: u.optionalString('displayName') ?? u.string('name'),
  };
}

function cloudRepository(payload: PayloadReader) {
  const repo = payload.object('repository');
  const repository = splitFullName(repo, 'full_name', repo.string('full_name', { nonEmpty: true }));
  return {
    repository,
    vars: {
      repo_uuid: repo.string('uuid', { nonEmpty: true }),
      repo_full_name: repository.fullName,
      repo_private: String(repo.boolean('is_private')),
    },
  };
}

function dcRepository(repo: PayloadReader) {
  const project = repo.object('project');
  const slug = repo.string('slug', { nonEmpty: true });
  const key = project.string('key', { nonEmpty: true });
  const repository = splitFullName(repo, 'slug', `${key}/${slug}`);
  return {
    repository,
    vars: {
      repo_uuid: String(repo.id('id')),
      repo_full_name: repository.fullName,
      repo_private: String(!repo.boolean('public')),
    },
  };
}

const CLOUD_PR_STATES = ['OPEN', 'MERGED', 'DECLINED', 'SUPERSEDED'] as const;
const DC_PR_STATES = ['OPEN', 'MERGED', 'DECLINED'] as const;

function cloudPullRequest(pr: PayloadReader) {
  const source = pr.object('source');
  const dest = pr.object('destination');
  const id = pr.id('id');
  const headSha = source.object('commit').commitHash('hash');
  const author = pr.optionalObject('author');
  const account = author ? cloudAccount(author) : undefined;
  return {
    id,
    headSha,
    author: account?.login,
    authorUuid: account?.uuid,
    vars: {
      pr_id: String(id),
      pr_title: pr.string('title'),
      pr_state: pr.oneOf('state', CLOUD_PR_STATES),
      pr_source_branch: source.object('branch').string('name', { nonEmpty: true }),
      pr_dest_branch: dest.object('branch').string('name', { nonEmpty: true }),
      pr_source_commit: headSha,
      // A destination's commit is absent while Bitbucket has not computed it.
      ...(dest.optionalObject('commit') ? { pr_dest_commit: dest.object('commit').commitHash('hash') } : {}),
      pr_html_url: pr.object('links').object('html').string('href', { nonEmpty: true }),
    },
  };
}

function dcPullRequest(pr: PayloadReader) {
  const from = pr.object('fromRef');
  const to = pr.object('toRef');
  const id = pr.id('id');
  const headSha = from.commitHash('latestCommit');
  const self = pr.object('links').list('self')[0]!;
  const author = dcUser(pr.object('author').object('user'));
  return {
    id,
    headSha,
    author: author.login,
    authorUuid: author.uuid,
    repo: dcRepository(to.object('repository')),
    vars: {
      pr_id: String(id),
      pr_title: pr.string('title'),
      pr_state: pr.oneOf('state', DC_PR_STATES),
      pr_source_branch: from.string('displayId', { nonEmpty: true }),
      pr_dest_branch: to.string('displayId', { nonEmpty: true }),
      pr_source_commit: headSha,
      pr_dest_commit: to.commitHash('latestCommit'),
      pr_html_url: self.string('href', { nonEmpty: true }),
    },
  };
}

const eventObject = (body: unknown): PayloadReader => {
  const payload = new PayloadReader(FORGE, body);
  if (!payload.isObject())
    throw new ForgePayloadError(FORGE, 'invalid', '', `expected a JSON object, got ${describe(body)}`);
  return payload;
};

/**
 * Turns a delivery (its `X-Event-Key` and parsed JSON body) into the project's event. Throws
 * ForgePayloadError: `invalid` when a field is missing or of the wrong type (with its path), `unsupported`
 * for event keys the product does not act on (and a branch deleted by a push).
 */
export function normalizeBitbucketEvent(eventKey: string, body: unknown): BitbucketEvent {
  if (eventKey in DATA_CENTER_KEYS) return dataCenterEvent(eventKey, DATA_CENTER_KEYS[eventKey]!, eventObject(body));
  if ((BITBUCKET_COMMAND_KEYS as readonly string[]).includes(eventKey))
    return cloudEvent(eventKey as BitbucketCommandKey, eventObject(body));
  throw unsupported('', `X-Event-Key ${JSON.stringify(eventKey)} is not handled`);
}

function cloudEvent(key: BitbucketCommandKey, payload: PayloadReader): BitbucketEvent {
  const actor = cloudAccount(payload.object('actor'));
  const { repository, vars: repoVars } = cloudRepository(payload);
  const base = {
    forge: 'bitbucket' as const,
    flavor: 'cloud' as const,
    eventKey: key,
    key,
    repository,
    sender: { login: actor.login, bot: actor.bot, uuid: actor.uuid },
  };
  const common = { event_type: key, ...repoVars, actor_uuid: actor.uuid, actor_display_name: actor.display };

  if (key.startsWith('pullrequest:')) {
    const pr = cloudPullRequest(payload.object('pullrequest'));
    let comment: BitbucketEvent['comment'];
    if (key === 'pullrequest:comment_created') {
      const c = payload.object('comment');
      comment = { id: c.id('id'), body: c.object('content').string('raw') };
    }
    return {
      ...base,
      number: pr.id,
      headSha: pr.headSha,
      ...(pr.author ? { author: pr.author, authorUuid: pr.authorUuid } : {}),
      ...(comment ? { comment } : {}),
      branch: pr.vars.pr_dest_branch,
      contextVariables: { ...common, ...pr.vars },
    };
  }

  if (key === 'repo:push') {
    // One push may move several refs: the first change is the event's (Bitbucket lists them in push order).
    const change = payload.object('push').list('changes')[0]!;
    const next = change.optionalObject('new');
    if (!next) throw unsupported(`${change.path}.new`, 'a deleted branch or tag is not handled');
    const type = next.oneOf('type', ['branch', 'tag', 'named_branch', 'bookmark'] as const);
    const name = next.string('name', { nonEmpty: true });
    const hash = next.object('target').commitHash('hash');
    const old = change.optionalObject('old');
    const branch = type === 'tag' ? null : name;
    return {
      ...base,
      headSha: hash,
      ...(old ? { baseSha: old.object('target').commitHash('hash') } : {}),
      branch,
      contextVariables: {
        ...common,
        ...(branch ? { branch } : {}),
        commit_hash: hash,
        // Bitbucket lists at most 5 commits (`truncated` when there were more).
        commit_count: String(change.count('commits')),
      },
    };
  }

  // repo:commit_status_updated: the commit is named by the status's `commit` link.
  const status = payload.object('commit_status');
  status.oneOf('state', ['INPROGRESS', 'SUCCESSFUL', 'FAILED', 'STOPPED'] as const);
  const link = status.object('links').object('commit');
  const href = link.string('href', { nonEmpty: true });
  const hash = /\/commit\/([0-9a-f]{7,40})$/.exec(href)?.[1];
  if (!hash)
    throw new ForgePayloadError(
      FORGE,
      'invalid',
      `${link.path}.href`,
      `expected a URL ending in /commit/<hash>, got ${describe(href)}`,
    );
  const refname = status.optionalString('refname');
  return {
    ...base,
    headSha: hash,
    ...(refname ? { branch: refname } : {}),
    contextVariables: { ...common, ...(refname ? { branch: refname } : {}), commit_hash: hash },
  };
}

function dataCenterEvent(eventKey: string, key: BitbucketCommandKey, payload: PayloadReader): BitbucketEvent {
  const actor = dcUser(payload.object('actor'));
  const base = { forge: 'bitbucket' as const, flavor: 'data-center' as const, eventKey, key };
  const sender = { login: actor.login, bot: actor.bot, uuid: actor.uuid };
  const common = { event_type: key, actor_uuid: actor.uuid, actor_display_name: actor.display };

  if (key === 'repo:push') {
    const { repository, vars: repoVars } = dcRepository(payload.object('repository'));
    const change = payload.list('changes')[0]!;
    const changeType = change.oneOf('type', ['ADD', 'UPDATE', 'DELETE'] as const);
    if (changeType === 'DELETE') throw unsupported(`${change.path}.type`, 'a deleted branch or tag is not handled');
    const ref = change.object('ref');
    const refType = ref.oneOf('type', ['BRANCH', 'TAG'] as const);
    const hash = change.commitHash('toHash');
    const branch = refType === 'TAG' ? null : ref.string('displayId', { nonEmpty: true });
    // Data Center sends 40 zeros as the `fromHash` of a new ref.
    const before = change.commitHash('fromHash');
    return {
      ...base,
      repository,
      headSha: hash,
      ...(/^0+$/.test(before) ? {} : { baseSha: before }),
      sender,
      branch,
      contextVariables: { ...common, ...repoVars, ...(branch ? { branch } : {}), commit_hash: hash },
    };
  }

  const pr = dcPullRequest(payload.object('pullRequest'));
  let comment: BitbucketEvent['comment'];
  if (key === 'pullrequest:comment_created') {
    const c = payload.object('comment');
    comment = { id: c.id('id'), body: c.string('text') };
  }
  const previous = eventKey === 'pr:from_ref_updated' ? payload.commitHash('previousFromHash') : undefined;
  return {
    ...base,
    repository: pr.repo.repository,
    number: pr.id,
    headSha: pr.headSha,
    ...(previous ? { baseSha: previous } : {}),
    sender,
    author: pr.author,
    authorUuid: pr.authorUuid,
    ...(key === 'pullrequest:updated' ? { newCommits: eventKey === 'pr:from_ref_updated' } : {}),
    ...(comment ? { comment } : {}),
    branch: pr.vars.pr_dest_branch,
    contextVariables: { ...common, ...pr.repo.vars, ...pr.vars },
  };
}
