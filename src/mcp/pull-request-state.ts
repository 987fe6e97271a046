// What `aofctl mcp` tells a coding agent about one pull or merge request, read from the workflows that serve
// it through queries (which leave no trace in their histories), and its one action, a review request, sent
// as the same signal-with-start a `/review` comment reaches the gate with. Every list is capped.
import { WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { gateSignalWithStart, gateWorkflowId } from '../ingress/dispatch.js';
import { prFlows } from '../ingress/pr-flows.js';
import type { WithDeadline } from '../ingress/temporal-unavailable.js';
import { AofEvent, AofForge, AofRepository, AofState, AofTrigger } from '../temporal/search-attributes.js';
import { runningEnvLocks } from '../temporal/env-locks.js';
import { changeFlowsPrefix, repositoryKey } from '../temporal/workflow-ids.js';
import {
  approvalStateQuery,
  gateStateQuery,
  lockStateQuery,
  type ApprovalState,
  type GateState,
  type ReviewRequest,
} from '../../workflows/definitions.js';
import type { prGateWorkflow } from '../../workflows/pr-gate.js';
import type { GateVerdict } from '../gate/verdict.js';
import { changeRef, type ForgeName } from '../forges/port.js';
import type { McpTenant } from './tokens.js';

/** Flows and locks looked at per request, and queue entries shown per lock. */
export const MAX_FLOWS = 20;
export const MAX_LOCKS = 20;
export const MAX_QUEUE = 20;

export interface PullRef {
  tenant: McpTenant;
  repository: string;
  number: number;
}

export class NotFound extends Error {}

export interface GateFindings {
  forge: ForgeName;
  repository: string;
  number: number;
  gate: string;
  /** running: the gate serves the pull request now; ended: it ended after a quiet period (a push or request_review starts it again). */
  gateStatus: 'running' | 'ended';
  reviewing?: string;
  requestPending: boolean;
  reviews: number;
  verdict?: GateVerdict;
}

export interface DeployRequests {
  forge: ForgeName;
  repository: string;
  number: number;
  waiting: ({ workflowId: string; environment: string } & Omit<ApprovalState, 'waitingFor'>)[];
  flowsTotal: number;
  locks: {
    environment: string;
    holder?: string;
    queue: { position: number; label: string; thisPullRequest: boolean }[];
    queueTotal: number;
  }[];
  locksTotal: number;
}

export type ReviewAnswer =
  | { status: 'requested'; workflowId: string; key: string; gateWasRunning: boolean }
  | { status: 'already reviewing'; workflowId: string; reviewing?: string };

export function pullRequestState(withDeadline: WithDeadline) {
  const flows = prFlows(withDeadline);
  const gateHandle = (p: PullRef) => gateWorkflowId(p.repository, p.number, p.tenant.forge);
  /** The change as its forge writes it: `group/project!3` on GitLab, `owner/repo#3` elsewhere. */
  const named = (p: PullRef) => `${p.repository}${changeRef(p.tenant, p.number)}`;

  /** The gate's state and run status; NotFound when no gate ever ran on this pull request (or it is past retention). */
  async function gate(p: PullRef): Promise<{ state: GateState; desc: WorkflowExecutionDescription }> {
    const id = gateHandle(p);
    try {
      return await withDeadline(async (c) => {
        const h = c.workflow.getHandle(id);
        const desc = await h.describe();
        return { state: await h.query(gateStateQuery), desc };
      }, 10_000);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new NotFound(
          `no gate check has run on ${named(p)}: a push or a \`/review\` comment routed to a gate starts one`,
        );
      if (/query.*(not|unknown)|did not register/i.test((err as Error).message))
        throw new NotFound(
          `the gate of ${named(p)} was started by an older version that keeps no verdict; request_review starts a review that does`,
        );
      throw err;
    }
  }

  return {
    async gateFindings(p: PullRef): Promise<GateFindings> {
      const { state, desc } = await gate(p);
      return {
        forge: p.tenant.forge,
        repository: p.repository,
        number: p.number,
        gate: state.start.gate.title,
        gateStatus: desc.status.name === 'RUNNING' ? 'running' : 'ended',
        ...(state.reviewing ? { reviewing: state.reviewing } : {}),
        requestPending: state.pending,
        reviews: state.reviews,
        ...(state.verdict ? { verdict: state.verdict } : {}),
      };
    },

    async deployRequests(p: PullRef): Promise<DeployRequests> {
      const { forge } = p.tenant;
      const ids = await flows.running(forge, p.repository, p.number);
      const waiting: DeployRequests['waiting'] = [];
      for (const workflowId of ids.slice(0, MAX_FLOWS)) {
        const s = await withDeadline((c) => c.workflow.getHandle(workflowId).query(approvalStateQuery)).catch(
          () => ({}) as ApprovalState, // closed meanwhile, or a run from before the query
        );
        if (s.waitingFor !== undefined) {
          const { waitingFor, ...rest } = s;
          waiting.push({ workflowId, environment: waitingFor, ...rest });
        }
      }
      const { locks: running } = await withDeadline((c) => runningEnvLocks(c, repositoryKey(p.repository, forge)));
      const mine = changeFlowsPrefix(p.repository, p.number, forge);
      // Flows started before flow-run.ts wrote GitLab's `!<n>` labelled their place in a lock `#<n>`.
      const label = (l: string) => (/^#\d+$/.test(l) ? changeRef(p.tenant, Number(l.slice(1))) : l);
      const locks: DeployRequests['locks'] = [];
      for (const { workflowId, environment } of running.slice(0, MAX_LOCKS)) {
        const s = await withDeadline((c) => c.workflow.getHandle(workflowId).query(lockStateQuery)).catch(
          () => undefined,
        );
        if (!s) continue;
        locks.push({
          environment,
          ...(s.queue[0] ? { holder: label(s.queue[0].label) } : {}),
          queue: s.queue.slice(0, MAX_QUEUE).map((q, position) => ({
            position,
            label: label(q.label),
            thisPullRequest: q.requester === mine || q.requester.startsWith(`${mine}/`),
          })),
          queueTotal: s.queue.length,
        });
      }
      return {
        forge: p.tenant.forge,
        repository: p.repository,
        number: p.number,
        waiting,
        flowsTotal: ids.length,
        locks,
        locksTotal: running.length,
      };
    },

    /**
     * A new review of the pull request's current head, as `/review` asks for it: the same signal-with-start,
     * so a gate that ended starts again with the input it had. Once per head: the request's key names the
     * head (the caller's `headSha`, else the gate's last verdict), and the gate counts a key once; nothing
     * is sent while the gate reviews that head, or (without `headSha`) while it reviews or has a request waiting.
     */
    async requestReview(p: PullRef, headSha?: string): Promise<ReviewAnswer> {
      const { state, desc } = await gate(p);
      const workflowId = gateHandle(p);
      const running = desc.status.name === 'RUNNING';
      if (running && (headSha ? state.reviewing === headSha : state.reviewing !== undefined || state.pending))
        return { status: 'already reviewing', workflowId, ...(state.reviewing ? { reviewing: state.reviewing } : {}) };
      const key = `mcp-review-${headSha ?? state.verdict?.headSha ?? 'first'}`;
      const request: ReviewRequest = { deliveryId: key, reason: '/review' };
      const attributes: SearchAttributePair[] = [
        { key: AofEvent, value: 'mcp.request_review' },
        { key: AofTrigger, value: 'aofctl mcp' },
        { key: AofState, value: 'queued' },
        { key: AofForge, value: p.tenant.forge },
        { key: AofRepository, value: p.repository },
      ];
      await withDeadline((c) =>
        c.workflow.signalWithStart<typeof prGateWorkflow, [ReviewRequest]>(
          'prGateWorkflow',
          gateSignalWithStart(p.repository, state.start, request, desc.taskQueue, attributes),
        ),
      );
      return { status: 'requested', workflowId, key, gateWasRunning: running };
    },
  };
}
