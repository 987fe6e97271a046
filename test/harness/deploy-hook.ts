// What the deploy tests share: a stand-in deploy hook that records every call (and can hold its answers,
// as a deploy that is still running holds the environment's lock), the deploy flow of the quick start
// (approval, then the hook, then an end), and pull requests and their comments in one repository.
import { createServer } from 'node:http';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import type { Stack } from './stack.js';

export interface HookCall {
  key: string;
  path: string;
  body: string;
  authorization?: string;
}

export async function startDeployHook() {
  const calls: HookCall[] = [];
  let held: { until: Promise<void>; release: () => void } | undefined;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      calls.push({
        key: String(req.headers['idempotency-key']),
        path: req.url!,
        body,
        authorization: req.headers.authorization,
      });
      void (held?.until ?? Promise.resolve()).then(() => res.end('{"ok":true}'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    calls,
    /** Holds every answer until the returned function is called: a deploy is running. */
    hold(): () => void {
      let release!: () => void;
      held = { until: new Promise<void>((r) => (release = r)), release };
      return () => {
        held = undefined;
        release();
      };
    },
    close() {
      held?.release();
      server.close();
    },
  };
}

/** The flow `name`: an approval, then a POST to `<hook>/deploy/<environment>` (plus `httpConfig`), then an end. */
export const deployFlow = (hook: string, httpConfig = '', name = 'deploy-prod') => `apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: ${name}}
spec:
  nodes:
    - {id: start, type: approval}
    - {id: deploy, type: http, config: {url: "${hook}/deploy/\${event.environment}", method: POST${httpConfig ? `, ${httpConfig}` : ''}}}
    - {id: done, type: end, config: {status: deployed}}
    - {id: stopped, type: end, config: {status: "not deployed"}}
  connections:
    - {from: start, to: deploy, when: "start.output == 'approved'"}
    - {from: start, to: stopped}
    - {from: deploy, to: done}
`;

export interface TestPr {
  number: number;
  sha: string;
  author: string;
}

/** Pull requests of `repo` (owner/name), numbered from `first`, registered in the sandbox. */
export function pullRequests(stack: Pick<Stack, 'sandbox'>, repo: string, first: number, shaFill = 'a') {
  const [owner, name] = repo.split('/') as [string, string];
  let n = first;
  return {
    open(author = 'octocat'): TestPr {
      const number = ++n;
      const pr = retarget(example('pull_request', 'opened'), repo);
      pr.pull_request.number = number;
      pr.pull_request.user.login = author;
      pr.pull_request.head.sha = `${number}`.padStart(40, shaFill);
      stack.sandbox.addPull(owner, name, pr.pull_request);
      return { number, sha: pr.pull_request.head.sha as string, author };
    },
    /** An `issue_comment` on `pr` by `login`, as GitHub sends it. */
    comment(pr: Pick<TestPr, 'number' | 'author'>, body: string, login: string, action = 'created', id?: number) {
      const c = retarget(example('issue_comment', action === 'created' ? 'created' : 'edited'), repo);
      c.action = action;
      c.issue.number = pr.number;
      c.issue.user.login = pr.author;
      c.issue.pull_request = { url: 'x', html_url: 'y' };
      c.comment.id = id ?? Math.floor(Math.random() * 1e9);
      c.comment.body = body;
      c.sender.login = login;
      return c;
    },
  };
}
