// Builds the payload `aofctl simulate` sends: a real example (or the user's file), then the few fields a
// user wants to choose (comment body, sender, number, PR or issue), set everywhere GitHub would set them.
import { readFileSync } from 'node:fs';
import { example, retarget } from '../fixtures/webhook-examples.js';
import { protectionRuleRequest } from '../fixtures/protection-rule-request.js';
import { UsageError } from './usage-error.js';

export interface PayloadOptions {
  event: string;
  action?: string;
  body?: string;
  sender?: string;
  number?: number;
  pr?: boolean;
  payloadFile?: string;
  repo?: string;
  /** The GitHub API the receiving daemon is configured with: a protection rule's callback URL is on it. */
  apiUrl?: string;
}

function load(o: PayloadOptions): Record<string, any> {
  if (o.payloadFile) {
    let text: string;
    try {
      text = readFileSync(o.payloadFile, 'utf8');
    } catch (err) {
      throw new UsageError(`--payload: cannot read ${o.payloadFile}: ${(err as Error).message}`);
    }
    try {
      const p = JSON.parse(text) as unknown;
      if (!p || typeof p !== 'object' || Array.isArray(p)) throw new Error('not a JSON object');
      return p as Record<string, any>;
    } catch (err) {
      throw new UsageError(`--payload: ${o.payloadFile} is not a JSON object: ${(err as Error).message}`);
    }
  }
  // No real example of this event exists: one is built from real ones, for the PR `--number` names (else
  // a push's deployment), its callback on the daemon's GitHub API.
  if (o.event === 'deployment_protection_rule')
    return protectionRuleRequest({
      repo: 'Codertocat/Hello-World',
      runId: Math.floor(Date.now() / 1000),
      environment: 'production',
      sha: example('pull_request', 'opened').pull_request.head.sha,
      apiOrigin: (o.apiUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
      ...(o.number !== undefined ? { pr: { number: o.number, author: 'Codertocat' } } : {}),
      ...(o.sender !== undefined ? { sender: o.sender } : {}),
    });
  try {
    return example(o.event, o.action);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function simulatedPayload(o: PayloadOptions): Record<string, any> {
  const p = load(o);
  if (o.payloadFile && o.action) p.action = o.action;
  if (o.repo) {
    try {
      retarget(p, o.repo);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (o.pr) {
    if (!p.issue) throw new UsageError(`--pr applies to events about an issue (issue_comment, issues), not ${o.event}`);
    const repoUrl = p.repository?.html_url ?? 'https://github.com/octo/app';
    p.issue.pull_request ??= {
      url: `${p.repository?.url ?? 'https://api.github.com/repos/octo/app'}/pulls/${p.issue.number}`,
      html_url: `${repoUrl}/pull/${p.issue.number}`,
      diff_url: `${repoUrl}/pull/${p.issue.number}.diff`,
      patch_url: `${repoUrl}/pull/${p.issue.number}.patch`,
    };
  }
  if (o.number !== undefined && o.event !== 'deployment_protection_rule') {
    const subject = p.pull_request ?? p.issue;
    if (!subject) throw new UsageError(`--number applies to issue and pull request events, not ${o.event}`);
    subject.number = o.number;
    if (p.issue?.pull_request) {
      const base = String(p.issue.pull_request.url).replace(/\/\d+$/, '');
      p.issue.pull_request.url = `${base}/${o.number}`;
    }
    if ('number' in p) p.number = o.number;
  }
  if (o.body !== undefined) {
    if (!p.comment) throw new UsageError(`--body sets a comment's text: use an event with a comment (issue_comment)`);
    p.comment.body = o.body;
  }
  if (o.sender !== undefined) {
    const user = { ...(p.sender ?? {}), login: o.sender, type: 'User' };
    p.sender = user;
    if (p.comment) p.comment.user = { ...(p.comment.user ?? {}), login: o.sender, type: 'User' };
  }
  return p;
}
