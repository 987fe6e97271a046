// Earlier verdicts for a merge group's review, from the gates of the repository's pull requests: each PR
// gate keeps its results by content hash (`reviewer:hash`) in its own workflow state, durable in Temporal
// and capped there (pr-gate.ts, MAX_CACHE), and answers a query for the keys asked (a query adds nothing
// to any history). Asked: the gate of the group's last pull request (its number is in the group's ref),
// then the repository's newest gates, until every key is found. Only what was asked for comes back, so the
// answer is bounded by the group's analysed functions, never by the size of the queue.
import type { Client } from '@temporalio/client';
import type { ReviewerResult } from '../../src/gate/types.js';
import type { ForgeName } from '../../src/forges/port.js';
import { priorResultsQuery } from '../../workflows/definitions.js';
import { gateWorkflowId, repositoryKey } from '../../src/temporal/workflow-ids.js';

/** The repository's gates asked at most, newest first (the queued pull requests were reviewed recently). */
export const MAX_GATES_ASKED = 50;

export interface PriorResultsInput {
  forge?: ForgeName;
  /** `owner/repo`, as verified. */
  repository: string;
  /** Pull requests the group names (its ref's last one): their gates are asked first. */
  numbers: number[];
  title: string;
  model: string;
  keys: string[];
}

export interface PriorResults {
  results: Record<string, ReviewerResult>;
  /** The gates asked, for the review's summary. */
  gatesAsked: number;
}

export function createVerdictActivities(client: () => Promise<Client>) {
  return {
    async priorResults(i: PriorResultsInput): Promise<PriorResults> {
      const c = await client();
      const forge = i.forge ?? 'github';
      const results: Record<string, ReviewerResult> = {};
      let missing = [...new Set(i.keys)];
      const asked = new Set<string>();
      const ask = async (workflowId: string) => {
        if (asked.has(workflowId) || asked.size >= MAX_GATES_ASKED || missing.length === 0) return;
        asked.add(workflowId);
        const found = await c.workflow
          .getHandle(workflowId)
          .query(priorResultsQuery, { keys: missing, title: i.title, model: i.model })
          // A gate that never ran, or whose history is gone, has no verdicts to give.
          .catch(() => ({}) as Record<string, ReviewerResult>);
        for (const key of missing) if (found[key]) results[key] = found[key]!;
        missing = missing.filter((k) => !results[k]);
      };
      for (const n of i.numbers) await ask(gateWorkflowId(i.repository, n, forge));
      // A repository's name never holds a quote; one that did would not be put into a query.
      if (missing.length && asked.size < MAX_GATES_ASKED && !/['\\]/.test(i.repository)) {
        const prefix = `gate/${repositoryKey(i.repository, forge)}#`;
        const query = `WorkflowType = 'prGateWorkflow' AND WorkflowId STARTS_WITH '${prefix}'`;
        for await (const w of c.workflow.list({ query, pageSize: MAX_GATES_ASKED })) {
          if (missing.length === 0 || asked.size >= MAX_GATES_ASKED) break;
          await ask(w.workflowId);
        }
      }
      return { results, gatesAsked: asked.size };
    },
  };
}

export type VerdictActivities = ReturnType<typeof createVerdictActivities>;
