// GitLab's Merge Request Hook for a project of a test's own, and its delivery to the ingress as GitLab sends
// it (the shared secret in X-Gitlab-Token, a fresh Idempotency-Key): the answer must be 201.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gitlabExample } from '../../src/forges/gitlab/examples/index.js';

/** GitLab's example hook `name` (merge_request.open, merge_request.update.commits...), about another MR. */
export function mergeRequestHook(
  name: string,
  o: { project: string; projectId: number; iid: number; head: string; oldrev?: string },
) {
  const p = structuredClone(gitlabExample(name) as Record<string, any>);
  const mr = p.object_attributes;
  p.project.path_with_namespace = o.project;
  p.project.id = o.projectId;
  mr.target_project_id = mr.source_project_id = o.projectId;
  mr.iid = o.iid;
  mr.last_commit.id = o.head;
  if (o.oldrev) mr.oldrev = o.oldrev;
  return p;
}

/** Delivers a Merge Request Hook signed with `secret`; the ingress's answer (201 asserted). */
export async function sendMergeRequestHook(ingressUrl: string, payload: unknown, secret = 'gl-secret') {
  const res = await fetch(`${ingressUrl}/webhook/gitlab`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': 'Merge Request Hook',
      'x-gitlab-token': secret,
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify(payload),
  });
  const body = (await res.json()) as { workflowId: string };
  assert.equal(res.status, 201, JSON.stringify(body));
  return body;
}
