// GitLab's webhook deliveries into the ingress as GitLab sends them (the shared secret in X-Gitlab-Token, a
// fresh Idempotency-Key each time), and its Merge Request Hook for a project of a test's own.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gitlabExample } from '../../src/forges/gitlab/examples/index.js';

/**
 * POSTs `body` as GitLab's `event` (`Merge Request Hook`, `Note Hook`...) to `url`'s /webhook/gitlab with
 * the Idempotency-Key `key` (a fresh one unless given, as GitLab sends a new delivery); the answer.
 */
export async function postGitLab(url: string, event: string, body: unknown, o: { secret?: string; key?: string } = {}) {
  const key = o.key ?? randomUUID();
  const res = await fetch(`${url}/webhook/gitlab`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': event,
      'x-gitlab-token': o.secret ?? 'gl-secret',
      'idempotency-key': key,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), key };
}

/** POSTs `body` as GitLab's `event` to `url`'s /webhook/gitlab (postGitLab); asserts 201. */
export async function deliverGitLab(url: string, event: string, body: unknown, secret = 'gl-secret') {
  const { status, text } = await postGitLab(url, event, body, { secret });
  assert.equal(status, 201, text);
  return JSON.parse(text) as { workflowId: string };
}

/**
 * GitLab's example hook `name` (merge_request.open, merge_request.update.commits..., or the Note Hook
 * note.merge_request), about another MR.
 */
export function mergeRequestHook(
  name: string,
  o: { project: string; projectId: number; iid: number; head: string; oldrev?: string },
) {
  const p = structuredClone(gitlabExample(name) as Record<string, any>);
  const mr = p.object_kind === 'note' ? p.merge_request : p.object_attributes;
  p.project.path_with_namespace = o.project;
  p.project.id = o.projectId;
  mr.target_project_id = mr.source_project_id = o.projectId;
  mr.iid = o.iid;
  mr.last_commit.id = o.head;
  if (o.oldrev) mr.oldrev = o.oldrev;
  return p;
}

/** Delivers a Merge Request Hook signed with `secret`; the ingress's answer (201 asserted). */
export const sendMergeRequestHook = (ingressUrl: string, payload: unknown, secret = 'gl-secret') =>
  deliverGitLab(ingressUrl, 'Merge Request Hook', payload, secret);
