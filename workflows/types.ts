// What the ingress hands a workflow: the event's metadata, the untrusted content users wrote, and the
// resources resolved at routing time, so a running workflow never changes behaviour when someone edits
// the YAML.
import type { UntrustedContent } from '../src/agents/prompt.js';
import type { Agent, DaemonConfig, Fleet, Flow, Gate } from '../src/config/schema.js';
import type { Metadata } from '../src/routing/metadata.js';
import type { ForgeName, MergeGroup } from '../src/forges/port.js';
import type { ProtectionRule } from '../src/forges/github/protection-rule.js';
import type { Target } from '../src/routing/route.js';
import type { AgentRunResult } from './agent-run.js';
import type { FleetRunResult } from './fleet-run.js';
import type { FlowRunResult } from './flow-run.js';
import type { ReReviewResult } from '../activities/schedules/index.js';

export interface RoutedEventInput {
  deliveryId: string;
  /** The forge the event came from; absent: GitHub (every run started before the forge port). */
  forge?: ForgeName;
  event: string;
  action?: string;
  trigger: string;
  /** Command or event key that selected the target. */
  key: string;
  args?: string;
  target: Target;
  params: Record<string, unknown>;
  metadata: Metadata;
  /** Titles, bodies, comments: passed to models as data, never as instructions. */
  data: UntrustedContent;
  /** Resolved Agent specs by name (the target's, or a fleet's members). */
  agents: Record<string, Agent['spec']>;
  fleet?: Fleet['spec'];
  gate?: Gate['spec'];
  flow?: Flow['spec'];
  /** Fleets a flow's nodes name. */
  fleets?: Record<string, Fleet['spec']>;
  /** Login of the pull request's author (for the self-approval rule). */
  prAuthor?: string;
  /** The author's user id, where the forge compares people by id (GitLab). */
  prAuthorId?: number;
  /** For gate targets: a GitHub merge queue's group to check on its head commit (no pull request). */
  mergeGroup?: MergeGroup;
  /** For gate targets: the login of whoever sent the event, as verified (who asks `/pause` or `/resume`). */
  sender?: string;
  /**
   * For flow targets: the GitHub Actions deployment waiting for this flow's decision (a custom deployment
   * protection rule), and when the ingress took the request (GitHub waits at most 30 days from about then).
   * Only `deployment_protection_rule` deliveries carry it: runs started before it existed never do.
   */
  protectionRule?: ProtectionRuleRequest;
  /** For gate targets: the PR and head commit to review (head unknown for a `/review` comment). */
  review?: { number: number; headSha?: string };
  /** Base URL of a workflow in the Web UI, for links from GitHub. */
  detailsUrlBase?: string;
  githubTaskQueue: string;
  /**
   * True when the configuration names the event's installation for its tenant. Only then may quotas and
   * billing tiers key on the installation; otherwise they key on the verified repository owner.
   */
  installationBound?: boolean;
  tokenBudget: number;
  modelTurnTimeoutSecs: number;
  /** runtime.task_timeout_secs: bounds each agent run. */
  taskTimeoutSecs?: number;
  /** Pages of 100 changed files fetched for pull request events. */
  maxFilePages: number;
  /**
   * spec.budgets, for agent and fleet targets: the run counts against its owner's and sender's window
   * before it reaches a model. Absent in runs started before budgets moved into the workflow (the ingress
   * had counted them).
   */
  budgets?: DaemonConfig['spec']['budgets'];
}

/** A run refused by its budget window: it called no model. */
export interface OverBudget {
  /** Whose budget is spent: the sender's share, or the repository owner's. */
  over: 'sender' | 'account';
  /** The window's start (budget-window.ts label) and when the next one starts (ISO). */
  window: string;
  nextWindow: string;
}

export interface RoutedEventResult {
  target: Target;
  agent?: AgentRunResult;
  fleet?: FleetRunResult;
  flow?: FlowRunResult;
  /** Set when the run was over budget and ran nothing. */
  overBudget?: OverBudget;
  /** A Schedule Trigger's gate: how many open pull requests' gates were asked to review (counts only). */
  reReview?: ReReviewResult;
}

/** A protection rule's request as a flow answers it: the run, the environment, when it was asked (ISO). */
export type ProtectionRuleRequest = ProtectionRule & { requestedAt: string };
