// `aofctl simulate <event>`: sends a correctly signed real payload from @octokit/webhooks-examples to a
// running ingress, as GitHub would.
import { randomUUID } from 'node:crypto';
import { example, retarget } from '../fixtures/webhook-examples.js';
import { sign } from '../ingress/signature.js';
import { readDevState } from './dev-state.js';

export interface SimulateOptions {
  event: string;
  action?: string;
  repo?: string;
  url?: string;
  secret?: string;
  delivery?: string;
}

export async function simulate(o: SimulateOptions): Promise<number> {
  const dev = readDevState();
  const url = o.url ?? (dev ? `${dev.ingressUrl}/webhook/github` : 'http://localhost:3000/webhook/github');
  const secret = o.secret ?? process.env.GITHUB_WEBHOOK_SECRET ?? dev?.secret;
  if (!secret) {
    process.stderr.write('aofctl simulate: no secret: pass --secret, set GITHUB_WEBHOOK_SECRET, or start `aofctl dev` first\n');
    return 2;
  }
  let payload: Record<string, any>;
  try {
    payload = example(o.event, o.action);
    if (o.repo) retarget(payload, o.repo);
  } catch (err) {
    process.stderr.write(`aofctl simulate: ${(err as Error).message}\n`);
    return 2;
  }
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
  process.stdout.write(`${o.event}${payload.action ? `.${payload.action}` : ''} on ${payload.repository?.full_name ?? '?'} delivery ${delivery} -> ${res.status} ${text}\n`);
  if (dev && res.ok) process.stdout.write(`runs: ${dev.webUiUrl}/namespaces/default/workflows   comments: ${dev.sandboxUrl}/_sandbox/comments\n`);
  return res.status < 300 ? 0 : 1;
}
