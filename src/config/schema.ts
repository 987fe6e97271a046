// The resources users write, as zod schemas. Keys are snake_case exactly as the AOF reference
// documents them; every object is strict so a typo is an error, not a silently ignored key.
import { z } from 'zod';
import { BitbucketPlatform, FORGES, GitLabPlatform } from './forges.js';
import { AgentMcpServers, SharedMcpServers } from './mcp-servers.js';
import { outputSchema } from './output-schema.js';
import { envName, inert, modelName, name } from './primitives.js';
import { FLOW_NODE_TYPE_NAMES } from '../../workflows/flow-nodes/index.js';
import { redeliverySchema } from './redelivery.js';
import { ScheduleTarget, ScheduleTriggerConfig, TARGET_KEYS } from './schedule.js';
import { durationSeconds } from './duration.js';
import { MAX_QUIET_PERIOD_SECONDS } from '../gate/pause.js';

export const Metadata = z.strictObject({
  name,
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const GitHubOrganization = z.strictObject({
  name: z.string().min(1),
  token_env: envName.optional(),
  webhook_secret_env: envName,
  /** The GitHub App installation of this organization: deliveries naming another are refused. */
  installation_id: z.union([z.string(), z.number()]).optional(),
});

const GitHubApp = z.strictObject({
  app_id: z.union([z.string(), z.number()]),
  private_key_path: z.string().min(1),
  installation_id: z.union([z.string(), z.number()]).optional(),
});

/** A hook whose failed deliveries are redelivered: the App's own, or a repository's or organization's. */
const RedeliveryHook = z
  .strictObject({
    app: z.literal(true).optional(),
    repository: z
      .string()
      .regex(/^[^/\s]+\/[^/\s]+$/, 'owner/repo')
      .optional(),
    organization: z.string().min(1).optional(),
    hook_id: z.number().int().positive().optional(),
  })
  .refine((h) => [h.app, h.repository, h.organization].filter(Boolean).length === 1, {
    message: 'exactly one of app, repository or organization',
  })
  .refine((h) => (h.app ? h.hook_id === undefined : h.hook_id !== undefined), {
    message: 'hook_id is required for a repository or organization hook (and not allowed for app)',
  });

/** GitHub never retries a failed delivery: a Temporal Schedule lists recent ones and redelivers the failed. */
// GitHub redelivers deliveries of the past 3 days only.
const Redelivery = redeliverySchema(RedeliveryHook, { maxAgeHours: 72, defaultAgeHours: 71, defaultPerRun: 100 });

export const GitHubPlatform = z
  .strictObject({
    enabled: z.boolean().default(true),
    token_env: envName.optional(),
    webhook_secret_env: envName.optional(),
    /** The bot's login; by default it comes from the credentials (the token's user, or the App's slug + [bot]). */
    bot_name: z.string().optional(),
    /** api.github.com, a GitHub Enterprise URL, or the local sandbox. */
    api_url: z.url().default('https://api.github.com'),
    organizations: z.array(GitHubOrganization).optional(),
    app: GitHubApp.optional(),
    /**
     * An optional ceiling: requests per second for all workers together, spaced evenly. Without it requests
     * are kept within GitHub's own budgets per installation or token (primary and secondary rate limits).
     */
    requests_per_second: z.number().positive().optional(),
    /**
     * GitHub's budgets per installation or token, for all workers together: GitHub.com's documented secondary
     * limits by default. A GitHub Enterprise Server sets its own; the local sandbox has none.
     */
    limits: z
      .strictObject({
        concurrent_requests: z.number().int().positive().default(100),
        content_creating_per_minute: z.number().int().positive().default(80),
        content_creating_per_hour: z.number().int().positive().default(500),
        rest_points_per_minute: z.number().int().positive().default(900),
        graphql_points_per_minute: z.number().int().positive().default(2000),
      })
      .prefault({}),
    redelivery: Redelivery.optional(),
  })
  .refine(
    (g) =>
      !g.redelivery?.enabled || g.app || (g.redelivery.hooks.length > 0 && g.redelivery.hooks.every((h) => !h.app)),
    {
      message:
        "redelivery of the App's hook needs platforms.github.app; without an App, list repository or organization hooks",
      path: ['redelivery'],
    },
  );

/** Where a model provider's API is: a proxy, or an OpenAI-compatible server (vLLM, Ollama, LiteLLM). */
const ModelEndpoint = z.strictObject({
  base_url: z.url().optional(),
  /** The environment variable holding the key, instead of the provider's usual one. */
  api_key_env: envName.optional(),
});

/** Runs a worker keeps cached by default: few enough to hold 500 open gates in 300 MB (bench:memory). */
export const DEFAULT_CACHED_WORKFLOWS = 100;

const Directory = z.strictObject({
  directory: z.string().min(1),
  watch: z.boolean().default(false),
  enabled: z.boolean().default(true),
});

export const DaemonSpec = z.strictObject({
  server: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(3000),
      host: z.string().default('0.0.0.0'),
      /** Access-Control-Allow-Origin: * and preflight answers, for browsers reading /health, /ready, /metrics. */
      cors: z.boolean().default(false),
      /** Time a client has to send a whole request (408 after it). */
      timeout_secs: z.number().positive().default(60),
      /** GitHub sends payloads up to 25 MB. */
      max_body_mb: z.number().positive().max(100).default(25),
    })
    .prefault({}),
  platforms: z.strictObject({
    /** Off when only other forges are configured. */
    github: GitHubPlatform.prefault({ enabled: false }),
    gitlab: GitLabPlatform.optional(),
    bitbucket: BitbucketPlatform.optional(),
  }),
  /** Endpoints of the model providers for every agent and gate; an agent's own settings win. */
  providers: z
    .strictObject({
      anthropic: ModelEndpoint.optional(),
      google: ModelEndpoint.optional(),
      openai: ModelEndpoint.optional(),
    })
    .optional(),
  /** MCP servers defined once, which agents name in their `mcp_servers` (src/config/mcp-servers.ts). */
  mcp_servers: SharedMcpServers,
  triggers: Directory.optional(),
  agents: Directory.optional(),
  fleets: Directory.optional(),
  flows: Directory.optional(),
  gates: Directory.optional(),
  runtime: z
    .strictObject({
      max_concurrent_tasks: z.number().int().positive().default(10),
      /**
       * Workflow runs a worker keeps in memory between their tasks (0: none). A run beyond it is replayed
       * from its history when its next task comes; the SDK's own default grows with the heap limit (about
       * 2,000 runs on a 4 GB heap), and each cached run holds about 0.3 MB outside the JS heap.
       */
      max_cached_workflows: z
        .number()
        .int()
        .min(0)
        .refine((n) => n === 0 || n >= 2, '0 (no cache) or at least 2')
        .default(DEFAULT_CACHED_WORKFLOWS),
      /** Longest an agent run's model turns may take together; the run then posts why it stopped. */
      task_timeout_secs: z.number().positive().optional(),
      /** Tokens (input + output + cache) one agent run may spend before it is stopped. */
      token_budget_per_run: z.number().int().positive().default(200_000),
      /** Longest a single model turn may take before it is retried (on another worker if this one died). */
      model_turn_timeout_secs: z.number().positive().default(120),
      /** Pages of 100 changed files fetched for a pull request. */
      max_file_pages: z.number().int().min(1).max(30).default(3),
    })
    .prefault({}),
  /**
   * Budgets of agent runs (agent and fleet targets routed from events, such as `/review` comments and the
   * default assistant), counted in Temporal by each run's workflow before it calls a model (resolved into
   * the run's input at routing time). A run over budget calls no model, ends 'over budget', and is
   * answered with one comment per pull request or issue and window.
   */
  budgets: z
    .strictObject({
      /** Length of a window; windows start at multiples of it since the Unix epoch (60: each UTC hour). */
      window_minutes: z.number().int().min(1).max(1440).default(60),
      /** Runs per window for the repositories of one owner (user or organization). */
      per_account: z.number().int().positive().default(300),
      /** Runs per window one sender (the GitHub user whose event it is) may start, per owner. */
      per_sender: z.number().int().positive().default(20),
    })
    .prefault({}),
  /**
   * `aofctl mcp`: the daemon as an MCP server (streamable HTTP) for coding agents, one bearer token per
   * organization, read from the environment variable each entry names (never written in this file).
   */
  mcp: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(3030),
      host: z.string().default('127.0.0.1'),
      tokens: z
        .array(
          z.strictObject({
            /** A GitHub owner, a GitLab top-level group or user namespace, a Bitbucket workspace. */
            organization: z.string().regex(/^[^/\s]+$/, 'an organization name without "/"'),
            forge: z.enum(['github', 'gitlab', 'bitbucket']).default('github'),
            token_env: envName,
          }),
        )
        .min(1),
    })
    .optional(),
  temporal: z
    .strictObject({
      address: z.string().default('localhost:7233'),
      namespace: z.string().default('default'),
      task_queue: z.string().default('aof'),
      github_task_queue: z.string().default('aof-github'),
      /** Base URL of the Temporal Web UI, used for links to runs. */
      web_ui_url: z.string().optional(),
    })
    .prefault({}),
});

const Binding = z
  .strictObject({
    agent: name.optional(),
    fleet: name.optional(),
    flow: name.optional(),
    /** A GateCheck: the PR gate check (AFA). */
    gate: name.optional(),
    description: z.string().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((b) => [b.agent, b.fleet, b.flow, b.gate].filter(Boolean).length === 1, {
    message: 'exactly one of agent, fleet, flow or gate',
  });

const triggerSpec = <T extends string, C extends z.ZodObject>(type: T, config: C) =>
  z.strictObject({
    type: z.literal(type),
    config: config.prefault({} as z.input<C>),
    /** Command keys: `/command`, `event` or `event.action` (Bitbucket: its event key, `pullrequest:created`). */
    commands: z.record(z.string().min(1), Binding).optional(),
    default_agent: name.optional(),
  });

/** A Trigger of one forge: `spec.type` selects the shape of `spec.config` (src/config/forges.ts). */
export const TriggerSpec = z.discriminatedUnion('type', [
  triggerSpec('GitHub', FORGES.GitHub.config),
  triggerSpec('GitLab', FORGES.GitLab.config),
  triggerSpec('Bitbucket', FORGES.Bitbucket.config),
]);

/**
 * A Trigger that fires on a timetable (src/config/schedule.ts), not on a forge's events: it runs
 * `commands.schedule` (else `default_agent`) on the repository and issue or pull request its `params` name;
 * a gate bound there reviews each open pull request of the repository (src/schedules/re-review.ts).
 */
export const ScheduleTriggerSpec = z
  .strictObject({
    type: z.literal('Schedule'),
    config: ScheduleTriggerConfig,
    /** The target: `repository`, `issue_number` or `pull_number`, `forge`; a binding's `params` add to it. */
    params: z.record(z.string(), z.unknown()).optional(),
    commands: z.strictObject({ schedule: Binding }).optional(),
    default_agent: name.optional(),
  })
  .superRefine((s, ctx) => {
    if (!s.commands?.schedule && !s.default_agent)
      ctx.addIssue({
        code: 'custom',
        path: ['commands'],
        message: 'give commands.schedule or default_agent: what runs',
      });
    // The target's keys, where they are written (the binding's win), each checked as ScheduleTarget says.
    const places: [PropertyKey[], Record<string, unknown> | undefined][] = [
      [['params'], s.params],
      [['commands', 'schedule', 'params'], s.commands?.schedule?.params],
    ];
    for (const [path, params] of places) {
      const picked = Object.fromEntries(TARGET_KEYS.filter((k) => params && k in params).map((k) => [k, params![k]]));
      const r = ScheduleTarget.safeParse(picked);
      for (const issue of r.error?.issues ?? [])
        ctx.addIssue({ code: 'custom', path: [...path, ...issue.path], message: issue.message });
    }
    const target = scheduleTargetOf(s);
    if (target.issue_number !== undefined && target.pull_number !== undefined)
      ctx.addIssue({ code: 'custom', path: ['params'], message: 'give issue_number or pull_number, not both' });
    if ((target.issue_number ?? target.pull_number) !== undefined && !target.repository)
      ctx.addIssue({ code: 'custom', path: ['params'], message: 'an issue or pull request needs params.repository' });
    // A gate bound to a schedule asks the gate of each open pull request of the repository for a review.
    if (s.commands?.schedule?.gate && !target.repository)
      ctx.addIssue({
        code: 'custom',
        path: ['params'],
        message: 'a gate on a schedule reviews the open pull requests of params.repository: name it (owner/repo)',
      });
    if (s.commands?.schedule?.gate && (target.issue_number ?? target.pull_number) !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['params'],
        message:
          'a gate on a schedule reviews every open pull request of params.repository: give no issue_number or pull_number',
      });
  });

/** A Schedule Trigger's target: its `params`' target keys, its binding's winning. */
export function scheduleTargetOf(s: {
  params?: Record<string, unknown>;
  commands?: { schedule?: { params?: Record<string, unknown> } };
}): ScheduleTarget {
  const merged = { ...s.params, ...s.commands?.schedule?.params };
  const picked = Object.fromEntries(TARGET_KEYS.filter((k) => k in merged).map((k) => [k, merged[k]]));
  const r = ScheduleTarget.safeParse(picked);
  return r.success ? r.data : { forge: 'github' };
}

const agentFields = {
  model: modelName,
  description: z.string().optional(),
  /** Used instead of `model` when that model's key is not set, so the agent still works offline. */
  offline_model: z
    .string()
    .regex(/^builtin:.+$/, 'a built-in model, such as builtin:issue-triager')
    .optional(),
  /** This agent's model server, e.g. a vLLM or Ollama server for an openai: model (read by the workers). */
  base_url: ModelEndpoint.shape.base_url,
  /** The environment variable holding this agent's key (read by the workers). */
  api_key_env: ModelEndpoint.shape.api_key_env,
  instructions: z.string().default(''),
  /** AOF's name for `instructions`. */
  system_prompt: z.string().optional(),
  tools: z.array(z.string().min(1)).default([]),
  /** What github_post_review may submit: COMMENT unless APPROVE or REQUEST_CHANGES are allowed here. */
  review_events: z.array(z.enum(['COMMENT', 'APPROVE', 'REQUEST_CHANGES'])).optional(),
  /** Earlier exchanges on the same issue or PR: File:<path>[:<conversations kept>] (src/agents/memory-spec.ts). */
  memory: z.string().optional(),
  max_iterations: z.number().int().positive().default(10),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().positive().optional(),
  /** MCP servers whose tools the agent is offered beside `tools` (src/config/mcp-servers.ts). */
  mcp_servers: AgentMcpServers,
  /** The JSON Schema the final answer must match, with AOF's control keys in it (src/config/output-schema.ts). */
  output_schema: outputSchema.optional(),
};

/** `system_prompt` (and an inline member's `systemPrompt`) is `instructions` under AOF's names: one of them. */
const oneSystemPrompt = (keys: string[]) => (s: Record<string, unknown>, ctx: z.RefinementCtx) => {
  const given = keys.filter((k) => s[k] !== undefined && !(k === 'instructions' && s[k] === ''));
  if (given.length > 1)
    ctx.addIssue({ code: 'custom', path: [given[1]!], message: `give one of ${given.join(', ')}: they are the same` });
};

/** The parsed agent: its system prompt is always `instructions`. */
const toAgent = <T extends { instructions: string; system_prompt?: string; systemPrompt?: string }>({
  system_prompt,
  systemPrompt,
  ...s
}: T) => ({ ...s, instructions: system_prompt ?? systemPrompt ?? s.instructions });

export const AgentSpec = z
  .strictObject(agentFields)
  .superRefine(oneSystemPrompt(['instructions', 'system_prompt']))
  .transform(toAgent);

/**
 * A fleet member defined in place (AOF's `agents[].spec`): it becomes an Agent named `<fleet>.<member>`
 * at load (src/config/inline-agents.ts), so the fleet and routing code see a referenced agent.
 */
export const InlineAgentSpec = z
  .strictObject({
    ...agentFields,
    systemPrompt: z.string().optional(),
    name: inert('an inline agent is named after its fleet and member (<fleet>.<member>)'),
  })
  .superRefine(oneSystemPrompt(['instructions', 'system_prompt', 'systemPrompt']))
  .transform(toAgent);

const FleetMember = z
  .strictObject({
    name,
    role: z.string().optional(),
    /** The Agent resource this member runs; by default the one named like the member. */
    agent: name.optional(),
    weight: z.number().positive().optional(),
    tier: z.number().int().nonnegative().optional(),
    /** An agent defined in place; moved to the agents at load, leaving `agent` naming it. */
    spec: InlineAgentSpec.optional(),
    /** AOF's shorthand for an inline agent with this model and no instructions. */
    model: modelName.optional(),
    type: inert('a member does what its instructions and tools say'),
    capabilities: inert('a member does what its instructions and tools say'),
    replicas: inert('each member runs once per event'),
    labels: inert('members are not selected by label'),
  })
  .superRefine((m, ctx) => {
    const forms = (['agent', 'spec', 'model'] as const).filter((k) => m[k] !== undefined);
    if (forms.length > 1)
      ctx.addIssue({
        code: 'custom',
        path: [forms[1]!],
        message: `give one of agent (a reference), spec (an inline agent) or model (an inline agent's model), not ${forms.join(' and ')}`,
      });
  });

export const FleetSpec = z.strictObject({
  description: z.string().optional(),
  /** Members keep their own write tools (comments, labels, reviews); by default only the fleet posts. */
  members_write: z.boolean().optional(),
  agents: z.array(FleetMember).min(1),
  coordination: z
    .strictObject({
      mode: z.enum(['peer', 'pipeline', 'hierarchical', 'tiered']).default('peer'),
      consensus: z.enum(['majority', 'unanimous', 'weighted']).optional(),
      manager: name.optional(),
      max_concurrency: z.number().int().positive().optional(),
    })
    .prefault({}),
});

/** A flow node; its `config` is checked by its type's record (workflows/flow-nodes/, src/flows/validate.ts). */
const FlowNode = z.strictObject({
  id: name,
  type: z.enum(FLOW_NODE_TYPE_NAMES),
  config: z.record(z.string(), z.unknown()).optional(),
  /** The node that undoes this one when a later node fails or the flow ends short of success. */
  compensate: name.optional(),
});

export const FlowSpec = z.strictObject({
  description: z.string().optional(),
  nodes: z.array(FlowNode).min(1),
  connections: z
    .array(
      z.strictObject({
        from: name,
        to: name,
        when: z.string().optional(),
        /** times this edge may be taken: bounds a loop */ max: z.number().int().positive().optional(),
      }),
    )
    .default([]),
});

export const TIERS = ['community', 'developer', 'team', 'enterprise'] as const;

export const GateSpec = z.strictObject({
  /** The check run is named "<title> Gate Check". */
  title: z.string().min(1).max(40).default('AFA'),
  description: z.string().optional(),
  model: z
    .string()
    .regex(/^[a-z][a-z0-9-]*:.+$/, 'provider:model')
    .default('builtin:gate-reviewer'),
  offline_model: z
    .string()
    .regex(/^builtin:.+$/, 'a built-in model')
    .optional(),
  reviewers: z
    .array(z.enum(['security', 'performance', 'maintainability', 'documentation']))
    .min(1)
    .default(['security', 'performance', 'maintainability', 'documentation']),
  /** Pages of 100 changed files fetched (GitHub's API pages). */
  max_pages: z.number().int().min(1).max(30).default(3),
  /** Reviewer calls in flight at once. */
  max_concurrency: z.number().int().min(1).max(64).default(8),
  /**
   * Where the findings go: `annotations` on the check (GitLab: discussions; Bitbucket: a Code Insights
   * report), and with `review` as one pull request review with line comments and committable suggestions,
   * whose threads follow the findings across pushes. Absent: annotations alone.
   */
  report: z
    .array(z.enum(['annotations', 'review']))
    .min(1)
    .refine((r) => new Set(r).size === r.length, 'each of annotations, review once')
    .optional(),
  /** Files larger than this are listed as not analysed. */
  max_file_bytes: z
    .number()
    .int()
    .positive()
    .default(512 * 1024),
  /**
   * Pushes that arrive within this long of each other are reviewed once, at the newest head; each older
   * head's check says which commit superseded it. Absent: every push is reviewed at once.
   */
  quiet_period: z
    .string()
    .refine(
      (d) => {
        const s = durationSeconds(d);
        return s !== undefined && s >= 1 && s <= MAX_QUIET_PERIOD_SECONDS;
      },
      `a duration from 1s to ${MAX_QUIET_PERIOD_SECONDS / 60}m, such as 30s or 2m`,
    )
    .optional(),
  billing: z
    .strictObject({
      default_tier: z.enum(TIERS).default('community'),
      /** Tier by installation id or organization login. */
      accounts: z.record(z.string(), z.enum(TIERS)).default({}),
      /** Monthly analyses per tier; defaults: 200, 2,000, 10,000, 50,000. */
      limits: z.partialRecord(z.enum(TIERS), z.number().int().nonnegative()).default({}),
      upgrade_url: z.url().default('https://example.com/upgrade'),
      /** The upsell section of the PR comment, for the tiers that include it. */
      upsell: z
        .strictObject({ tiers: z.array(z.enum(TIERS)), title: z.string().default('AEGIS'), text: z.string() })
        .optional(),
    })
    .prefault({}),
});

const resource = <const K extends readonly [string, ...string[]], S extends z.ZodType>(kinds: K, spec: S) =>
  z.strictObject({
    apiVersion: z.literal('aof.dev/v1'),
    kind: z.enum(kinds),
    metadata: Metadata,
    spec,
  });

export const DaemonConfigResource = resource(['DaemonConfig'], DaemonSpec);
/** A forge's Trigger (routing reads these). */
export const ForgeTriggerResource = resource(['Trigger'], TriggerSpec);
/** What a Trigger document may be: a forge's, or a schedule. */
export const TriggerResource = resource(
  ['Trigger'],
  z.discriminatedUnion('type', [...TriggerSpec.options, ScheduleTriggerSpec]),
);
export const AgentResource = resource(['Agent'], AgentSpec);
export const FleetResource = resource(['AgentFleet', 'Fleet'], FleetSpec);
export const FlowResource = resource(['AgentFlow', 'Flow'], FlowSpec);
export const GateResource = resource(['GateCheck'], GateSpec);

/** Which schema validates a document of a given kind. */
export const schemaForKind = {
  DaemonConfig: DaemonConfigResource,
  Trigger: TriggerResource,
  Agent: AgentResource,
  AgentFleet: FleetResource,
  Fleet: FleetResource,
  AgentFlow: FlowResource,
  Flow: FlowResource,
  GateCheck: GateResource,
} as const;

export type Kind = keyof typeof schemaForKind;
export type DaemonConfig = z.infer<typeof DaemonConfigResource>;
export type Trigger = z.infer<typeof ForgeTriggerResource>;
export type ScheduleTrigger = z.infer<typeof TriggerResource> & { spec: { type: 'Schedule' } };
export type Agent = z.infer<typeof AgentResource>;
export type Fleet = z.infer<typeof FleetResource>;
export type Flow = z.infer<typeof FlowResource>;
export type Gate = z.infer<typeof GateResource>;
export type Tier = (typeof TIERS)[number];
export type BindingSpec = z.infer<typeof Binding>;
export type TriggerOf<T extends Trigger['spec']['type']> = Trigger & { spec: Extract<Trigger['spec'], { type: T }> };
export type GitHubTrigger = TriggerOf<'GitHub'>;
export type GitLabTrigger = TriggerOf<'GitLab'>;
export type BitbucketTrigger = TriggerOf<'Bitbucket'>;
export type FleetMemberSpec = z.infer<typeof FleetMember>;
