// A GitLab webhook delivery into the ingress, as GitLab sends it: the event's name, the shared secret in
// `X-Gitlab-Token`, a new `Idempotency-Key` each time.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

/** POSTs `body` as GitLab's `event` (`Merge Request Hook`, `Note Hook`...) to `url`'s /webhook/gitlab; asserts 201. */
export async function deliverGitLab(url: string, event: string, body: unknown, secret = 'gl-secret'): Promise<void> {
  const res = await fetch(`${url}/webhook/gitlab`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': event,
      'x-gitlab-token': secret,
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201, await res.text());
}
