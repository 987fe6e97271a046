// The forges a Trigger may name, one small record each: the shape of `spec.config` (as AOF users write
// it), the events and actions its webhooks send (for checking command keys and event lists), and the verbs
// of the forge port it lacks (checked at validation time). The DaemonConfig's `platforms.<forge>` shapes
// are here too. Adapters read the parsed, typed config (`GitLabTriggerConfig` and so on) and nothing else.
import { z } from 'zod';
import { EVENT_ACTIONS } from './event-actions.js';
import { PIPELINE_STATUSES } from '../forges/gitlab/webhook.js';
import { flavorOf } from '../forges/bitbucket/flavor.js';
import { envName, inert, projectGlob, repoGlob } from './primitives.js';
import { redeliverySchema } from './redelivery.js';

/**
 * Verbs of the forge port that some forge has not got: labels, and `redelivery` (listing and resending
 * missed webhook deliveries, src/forges/port.ts DeliveryVerbs), which Bitbucket's API does not offer.
 */
export type ForgeVerb = 'labels' | 'redelivery';

/** Secrets may be written inline (usually as `${VAR}`, expanded at load) or named by variable: not both. */
const notBoth =
  <T extends Record<string, unknown>>(a: keyof T & string, b: keyof T & string) =>
  (c: T, ctx: z.RefinementCtx) => {
    if (c[a] !== undefined && c[b] !== undefined)
      ctx.addIssue({ code: 'custom', path: [b], message: `give ${a} or ${b}, not both` });
  };

/** Filters every forge's Trigger has: they work as on GitHub (docs/configuration.md). */
const commonFilters = {
  branches: z.array(z.string().min(1)).optional(),
  allowed_users: z.array(z.string().min(1)).optional(),
  /** Events sent by bots start nothing unless a Trigger opts in. */
  allow_bots: z.boolean().optional(),
};

export const GitHubTriggerConfig = z.strictObject({
  webhook_secret: z.string().optional(),
  github_events: z.array(z.string().min(1)).optional(),
  actions: z.array(z.string().min(1)).optional(),
  repositories: z.array(repoGlob).optional(),
  allowed_repos: z.array(repoGlob).optional(),
  ...commonFilters,
});

/**
 * A GitLab Trigger (gitlab.com or self-managed, REST API v4). `token` authenticates API calls
 * (`PRIVATE-TOKEN`); `webhook_secret` is what GitLab sends as `X-Gitlab-Token`; `signing_token`
 * (`whsec_...`) verifies GitLab's signed webhooks when set. Each has a `*_env` form naming a variable.
 */
export const GitLabTriggerConfig = z
  .strictObject({
    token: z.string().min(1).optional(),
    token_env: envName.optional(),
    webhook_secret: z.string().min(1).optional(),
    webhook_secret_env: envName.optional(),
    signing_token: z.string().min(1).optional(),
    signing_token_env: envName.optional(),
    api_url: z.url().default('https://gitlab.com/api/v4'),
    /** The bot's username; by default `GET /api/v4/user` with the token says. */
    bot_name: z.string().min(1).optional(),
    /** merge_request, note, pipeline, push, issue, or `event.action` such as `pipeline.failed`. */
    gitlab_events: z.array(z.string().min(1)).optional(),
    /** Project paths with namespace: `group/*`, `group/subgroup/project`, `group/**`. */
    projects: z.array(projectGlob).optional(),
    ...commonFilters,
  })
  .superRefine(notBoth('token', 'token_env'))
  .superRefine(notBoth('webhook_secret', 'webhook_secret_env'))
  .superRefine(notBoth('signing_token', 'signing_token_env'));

/**
 * A Bitbucket Trigger (Cloud's 2.0 API by default; an `api_url` ending in `/rest/api/1.0` is Data Center).
 * `username` (an Atlassian account email) with `app_password` (an API token) is Basic auth; `oauth_token`
 * (a repository, project or workspace access token) is a Bearer token. `webhook_secret` verifies
 * `X-Hub-Signature`.
 */
export const BitbucketTriggerConfig = z
  .strictObject({
    username: z.string().min(1).optional(),
    username_env: envName.optional(),
    app_password: z.string().min(1).optional(),
    app_password_env: envName.optional(),
    oauth_token: z.string().min(1).optional(),
    oauth_token_env: envName.optional(),
    webhook_secret: z.string().min(1).optional(),
    webhook_secret_env: envName.optional(),
    api_url: z.url().default('https://api.bitbucket.org/2.0'),
    bot_name: z.string().min(1).optional(),
    /** Event keys such as `pullrequest:created` (Cloud) or `pr:opened` (Data Center). */
    bitbucket_events: z.array(z.string().min(1)).optional(),
    /** `workspace/repo`, `workspace/*` (Data Center: `PROJECT/repo`). */
    repositories: z.array(repoGlob).optional(),
    allowed_repos: z.array(repoGlob).optional(),
    enable_comments: inert('comments are the only way runs answer; they cannot be turned off'),
    enable_approvals: inert('approvals are allowed per agent (review_events) and per flow'),
    enable_build_status: inert('only a GateCheck sets a build status, always'),
    ...commonFilters,
  })
  .superRefine(notBoth('username', 'username_env'))
  .superRefine(notBoth('app_password', 'app_password_env'))
  .superRefine(notBoth('oauth_token', 'oauth_token_env'))
  .superRefine(notBoth('webhook_secret', 'webhook_secret_env'))
  .superRefine((c, ctx) => {
    const basic = c.app_password !== undefined || c.app_password_env !== undefined;
    const bearer = c.oauth_token !== undefined || c.oauth_token_env !== undefined;
    if (basic && bearer)
      ctx.addIssue({ code: 'custom', path: ['oauth_token'], message: 'give app_password or oauth_token, not both' });
    if (basic && c.username === undefined && c.username_env === undefined)
      ctx.addIssue({ code: 'custom', path: ['app_password'], message: 'app_password needs a username (Basic auth)' });
  });

export type GitHubTriggerConfig = z.infer<typeof GitHubTriggerConfig>;
export type GitLabTriggerConfig = z.infer<typeof GitLabTriggerConfig>;
export type BitbucketTriggerConfig = z.infer<typeof BitbucketTriggerConfig>;

/** DaemonConfig `platforms.gitlab`: the defaults of every GitLab Trigger, and the endpoint switch. */
/** A GitLab webhook whose failed deliveries are resent: a project's (`group/project`) or a group's (Premium). */
const GitLabRedeliveryHook = z
  .strictObject({
    project: z
      .string()
      .regex(/^[^/\s*?[]+(\/[^/\s*?[]+)+$/, "a project's full path, group/project (no patterns)")
      .optional(),
    group: z
      .string()
      .regex(/^[^/\s*?[]+(\/[^/\s*?[]+)*$/, "a group's full path, group or group/subgroup")
      .optional(),
    hook_id: z.number().int().positive(),
  })
  .refine((h) => (h.project === undefined) !== (h.group === undefined), { message: 'exactly one of project or group' });

export const GitLabPlatform = z.strictObject({
  enabled: z.boolean().default(true),
  token_env: envName.optional(),
  webhook_secret_env: envName.optional(),
  signing_token_env: envName.optional(),
  api_url: z.url().default('https://gitlab.com/api/v4'),
  bot_name: z.string().min(1).optional(),
  /**
   * GitLab never resends a failed delivery by itself: a Temporal Schedule lists each hook's recent events
   * and resends the failed. GitLab lists the past 7 days; its resend endpoint allows 5 a minute per hook.
   */
  redelivery: redeliverySchema(GitLabRedeliveryHook, {
    maxAgeHours: 168,
    defaultAgeHours: 144,
    defaultPerRun: 5,
  }).optional(),
});

/** DaemonConfig `platforms.bitbucket` (names from AOF's Bitbucket platform page). */
export const BitbucketPlatform = z
  .strictObject({
    enabled: z.boolean().default(true),
    username_env: envName.optional(),
    app_password_env: envName.optional(),
    oauth_token_env: envName.optional(),
    webhook_secret_env: envName.optional(),
    api_url: z.url().default('https://api.bitbucket.org/2.0'),
    bot_name: z.string().min(1).optional(),
  })
  .refine((p) => !(p.app_password_env && p.oauth_token_env), {
    message: 'give app_password_env or oauth_token_env, not both',
    path: ['oauth_token_env'],
  });

export type GitLabPlatform = z.infer<typeof GitLabPlatform>;
export type BitbucketPlatform = z.infer<typeof BitbucketPlatform>;

const GITLAB_MR_ACTIONS = [
  'open',
  'close',
  'reopen',
  'update',
  'approved',
  'unapproved',
  'approval',
  'unapproval',
  'merge',
];

export interface Forge {
  /** `spec.type` of a Trigger. */
  type: string;
  /** The key of `platforms` in the DaemonConfig, and the forge of the project's events. */
  id: 'github' | 'gitlab' | 'bitbucket';
  config: z.ZodType;
  /** The config key listing the events a Trigger takes. */
  eventsKey: string;
  /** Event -> the actions it may carry ([] for none); `event.action` names both in command keys. */
  events: Record<string, readonly string[]>;
  /** Whether `event.action` splits a command key (Bitbucket's event keys hold the action already). */
  dottedActions: boolean;
  lacks: readonly ForgeVerb[];
  /**
   * Why approvers cannot be named by group (`workspace/group`) on this forge, where its API cannot read a
   * group's members; absent where they can (GitHub's teams, GitLab's groups).
   */
  noApproverGroups?: string;
  /**
   * Where the forge's API does read a group's members after all for a Trigger (`config`: its config; `platform`:
   * the DaemonConfig's platform entry): Bitbucket Data Center's.
   */
  readsApproverGroups?: (config: Record<string, unknown>, platform?: Record<string, unknown>) => boolean;
}

export const FORGES = {
  GitHub: {
    type: 'GitHub',
    id: 'github',
    config: GitHubTriggerConfig,
    eventsKey: 'github_events',
    events: EVENT_ACTIONS,
    dottedActions: true,
    lacks: [],
  },
  GitLab: {
    type: 'GitLab',
    id: 'gitlab',
    config: GitLabTriggerConfig,
    eventsKey: 'gitlab_events',
    events: {
      merge_request: GITLAB_MR_ACTIONS,
      note: [],
      pipeline: PIPELINE_STATUSES,
      push: [],
      tag_push: [],
      issue: ['open', 'close', 'reopen', 'update'],
    },
    dottedActions: true,
    lacks: [],
  },
  Bitbucket: {
    type: 'Bitbucket',
    id: 'bitbucket',
    config: BitbucketTriggerConfig,
    eventsKey: 'bitbucket_events',
    events: Object.fromEntries(
      [
        // Cloud
        'pullrequest:created',
        'pullrequest:updated',
        'pullrequest:approved',
        'pullrequest:unapproved',
        'pullrequest:changes_request_created',
        'pullrequest:changes_request_removed',
        'pullrequest:fulfilled',
        'pullrequest:rejected',
        'pullrequest:comment_created',
        'pullrequest:comment_updated',
        'pullrequest:comment_deleted',
        'repo:push',
        'repo:fork',
        'repo:updated',
        'repo:commit_comment_created',
        'repo:commit_status_created',
        'repo:commit_status_updated',
        'issue:created',
        'issue:updated',
        'issue:comment_created',
        // AOF's platform page lists these too
        'build:status_created',
        'build:status_updated',
        // Data Center
        'pr:opened',
        'pr:from_ref_updated',
        'pr:modified',
        'pr:merged',
        'pr:declined',
        'pr:deleted',
        'pr:reviewer:approved',
        'pr:reviewer:unapproved',
        'pr:reviewer:needs_work',
        'pr:comment:added',
        'pr:comment:edited',
        'pr:comment:deleted',
        'repo:refs_changed',
        'repo:modified',
        'repo:forked',
        'diagnostics:ping',
      ].map((e) => [e, []]),
    ),
    dottedActions: false,
    // No labels on pull requests; no API to list or resend webhook deliveries (only the request log in a
    // repository's webhook settings, by hand).
    lacks: ['labels', 'redelivery'],
    noApproverGroups:
      "Bitbucket Cloud's REST API (2.0) cannot read a workspace group's members: list accounts (nickname, account id or uuid), or use min_permission (a group's permission on the repository counts there); Bitbucket Data Center's API (an api_url ending in /rest/api/1.0) reads groups, named PROJECT/group",
    // A Trigger acts through its own api_url when it has credentials of its own, else the platform's (as the
    // worker's clients choose, src/forges/bitbucket/clients.ts); Data Center's API reads a group's members.
    readsApproverGroups: (config, platform) => {
      const own = ['username', 'username_env', 'oauth_token', 'oauth_token_env'].some((k) => config[k] !== undefined);
      const apiUrl = own ? config.api_url : platform?.api_url;
      return typeof apiUrl === 'string' && flavorOf(apiUrl) === 'data-center';
    },
  },
} as const satisfies Record<string, Forge>;

export type ForgeType = keyof typeof FORGES;
export const FORGE_TYPES = Object.keys(FORGES) as ForgeType[];
