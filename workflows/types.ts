// What the ingress hands a workflow: the event's metadata and the resources resolved at routing time,
// so a running workflow never changes behaviour when someone edits the YAML.
import type { Agent } from '../src/config/schema.js';
import type { Metadata } from '../src/routing/metadata.js';
import type { Target } from '../src/routing/route.js';

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface RoutedEventInput {
  deliveryId: string;
  event: string;
  action?: string;
  trigger: string;
  /** Command or event key that selected the target. */
  key: string;
  args?: string;
  target: Target;
  params: Record<string, unknown>;
  metadata: Metadata;
  /** Resolved Agent specs by name (the target's, or a fleet's members). */
  agents: Record<string, Agent['spec']>;
  githubTaskQueue: string;
}

export interface RoutedEventResult {
  target: Target;
  /** Comment posted on the issue or PR, if any. */
  commentId?: number;
  answer: string;
}
