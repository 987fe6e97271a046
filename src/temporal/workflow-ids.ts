// Workflow IDs carry meaning: one delivery GUID -> one workflow, so a redelivery starts nothing new.
import type { ForgeName } from '../forges/port.js';

/** GitHub delivery GUIDs are UUIDs; accept any short token so other senders' IDs still work. */
const DELIVERY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isValidDeliveryId(id: string): boolean {
  return DELIVERY.test(id);
}

/** `github-delivery-<guid>`, `gitlab-delivery-<idempotency key>`: one workflow per delivery and forge. */
export function deliveryWorkflowId(deliveryId: string, forge: ForgeName = 'github'): string {
  if (!isValidDeliveryId(deliveryId))
    throw new Error(`invalid delivery id: ${JSON.stringify(deliveryId.slice(0, 40))}`);
  return `${forge}-delivery-${deliveryId.toLowerCase()}`;
}

/**
 * A repository as workflow ids name it: `owner/repo` on GitHub (as every id before the forge port),
 * `<forge>:<full path>` on the others, so the same path on two forges never names one workflow.
 */
export const repositoryKey = (fullName: string, forge: ForgeName = 'github'): string =>
  forge === 'github' ? fullName : `${forge}:${fullName}`;

/** The forge and full name a repository key names (`gitlab:group/sub/project` → gitlab, `group/sub/project`). */
export function parseRepositoryKey(key: string): { forge: ForgeName; fullName: string } {
  const m = /^(gitlab|bitbucket):(.+)$/.exec(key);
  return m ? { forge: m[1] as ForgeName, fullName: m[2]! } : { forge: 'github', fullName: key };
}

/** What the ids of every flow on one pull or merge request start with: `flow/<repository key>#<n>`. */
export const changeFlowsPrefix = (fullName: string, number: number, forge: ForgeName = 'github'): string =>
  `flow/${repositoryKey(fullName, forge)}#${number}`;

/**
 * What the ids of every flow on one commit start with, where there is no pull request (a GitHub Actions
 * deployment of a push waiting on its protection rule): `flow/<repository key>@<sha>`.
 */
export const commitFlowsPrefix = (fullName: string, sha: string, forge: ForgeName = 'github'): string =>
  `flow/${repositoryKey(fullName, forge)}@${sha}`;

/**
 * The lock of one environment of a repository (workflows/env-lock.ts): `lock/<repository key>/<environment>`.
 * Flows started before repository keys named their forge used the plain full name (flow-run.ts).
 */
export const envLockWorkflowId = (repoKey: string, environment: string) => `lock/${repoKey}/${environment}`;

/** The long-lived gate workflow of one pull or merge request: `gate/<repository key>#<n>`. */
export const gateWorkflowId = (repoFullName: string, number: number, forge: ForgeName = 'github') =>
  `gate/${repositoryKey(repoFullName, forge)}#${number}`;

/** The review of one merge queue group, by its head commit: `merge-group/<repository key>@<head sha>`. */
export const mergeGroupWorkflowId = (repoFullName: string, headSha: string, forge: ForgeName = 'github') =>
  `merge-group/${repositoryKey(repoFullName, forge)}@${headSha}`;

/**
 * The undo of one completed flow run when its pull request is reverted: `undo/<flow's workflow id>/<run id>`.
 * Started with REJECT_DUPLICATE, so a redelivered (or a second) revert never undoes a run twice, while a
 * later deploy by the same flow (same workflow id, a new run) can be undone in its turn.
 */
export const flowUndoWorkflowId = (flowWorkflowId: string, runId: string) => `undo/${flowWorkflowId}/${runId}`;
