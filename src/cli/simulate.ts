// `aofctl simulate <event>`: sends a correctly signed real payload from @octokit/webhooks-examples to a
// running ingress, as GitHub would.
import { SIMULATED_CHANGE } from './simulate-change.js';
import { randomUUID } from 'node:crypto';
import { example } from '../fixtures/webhook-examples.js';
import { sign } from '../ingress/signature.js';
import { readDevState } from './dev-state.js';
import { simulatedPayload, type PayloadOptions } from './simulate-payload.js';
import { UsageError } from './usage-error.js';

export interface SimulateOptions extends PayloadOptions {
  url?: string;
  secret?: string;
  delivery?: string;
}

export async function simulate(o: SimulateOptions): Promise<number> {
  const dev = readDevState();
  const url = o.url ?? (dev ? `${dev.ingressUrl}/webhook/github` : 'http://localhost:3000/webhook/github');
  // An empty variable counts as unset, as for the dev secret.
  const secret = o.secret || process.env.GITHUB_WEBHOOK_SECRET || dev?.secret;
  if (!secret)
    throw new UsageError('simulate: no secret: pass --secret, set GITHUB_WEBHOOK_SECRET, or start `aofctl dev` first');
  const payload = simulatedPayload({
    ...o,
    apiUrl: o.apiUrl ?? dev?.sandboxUrl ?? (process.env.GITHUB_API_URL || undefined),
  });
  if (dev) await seedSandbox(dev.sandboxUrl, payload);
  const body = JSON.stringify(payload);
  const delivery = o.delivery ?? randomUUID();
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/aofctl-simulate',
        'x-github-event': o.event,
        'x-github-delivery': delivery,
        'x-hub-signature-256': sign(secret, body),
      },
      body,
    });
  } catch (err) {
    process.stderr.write(`aofctl simulate: cannot reach ${url}: ${(err as Error).message}\n`);
    return 1;
  }
  const text = await res.text();
  process.stdout.write(
    `${o.event}${payload.action ? `.${payload.action}` : ''} on ${payload.repository?.full_name ?? '?'} delivery ${delivery} -> ${res.status} ${text}\n`,
  );
  if (dev && res.ok)
    process.stdout.write(
      `runs: ${dev.webUiUrl}/namespaces/default/workflows   comments: ${dev.sandboxUrl}/_sandbox/comments\n`,
    );
  return res.status < 300 ? 0 : 1;
}

/** The PR an event is about: its own, or for a comment on a PR, the example PR renumbered. */
function pullOf(payload: Record<string, any>): Record<string, any> | undefined {
  if (payload.pull_request) return payload.pull_request;
  if (!payload.issue?.pull_request) return undefined;
  const pull = example('pull_request', 'opened').pull_request;
  pull.number = payload.issue.number;
  pull.user = payload.issue.user ?? pull.user;
  return pull;
}

/** Gives the dev sandbox the simulated PR and a small change to review, as GitHub would have them. */
async function seedSandbox(sandboxUrl: string, payload: Record<string, any>): Promise<void> {
  // The issue or pull request the event is about exists, as on GitHub (comments on it are not 404).
  await fetch(`${sandboxUrl}/_sandbox/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  }).catch(() => undefined);
  const pull = pullOf(payload);
  if (!pull || !payload.repository?.full_name) return;
  const [owner, repo] = String(payload.repository.full_name).split('/');
  const files = SIMULATED_CHANGE;
  await fetch(`${sandboxUrl}/_sandbox/pulls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ owner, repo, pull, files }),
  }).catch(() => undefined);
}
