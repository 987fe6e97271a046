// Synthetic pull requests for the gate: real pull_request payloads from @octokit/webhooks-examples with
// files whose head content and patch are generated, so the number of changed functions is known.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import type { Stack } from './stack.js';

export interface SyntheticFile {
  filename: string;
  content: string;
}

/** A file that was added whole: its patch adds every line. */
export function addedFile(filename: string, content: string) {
  const lines = content.split('\n');
  return {
    filename,
    status: 'added',
    additions: lines.length,
    deletions: 0,
    changes: lines.length,
    patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => '+' + l).join('\n')}`,
    content,
  };
}

/** A TypeScript file of `n` functions, each with a debug line (one maintainability finding each). */
export function tsFunctions(n: number, tag = 'v1', extra = ''): string {
  return Array.from(
    { length: n },
    (_, i) => `function f${i}(x: number) {\n  console.log('${tag}', x);${extra}\n  return x + ${i};\n}`,
  ).join('\n\n');
}

/**
 * One exported function whose findings the built-in rules know, with a fix for two of them (a deep copy
 * through JSON, a debug print); `above` blank lines push it down, `fixed` replaces the copy.
 */
export const fixableFunction = (above: number, fixed = false) =>
  [
    ...Array.from({ length: above }, () => ''),
    'export function copy(x: object) {',
    fixed ? '  const y = structuredClone(x);' : '  const y = JSON.parse(JSON.stringify(x));',
    "  console.log('copied');",
    '  return y;',
    '}',
  ].join('\n');

export function pullRequest(repo: string, number: number, headSha: string, action = 'opened') {
  const p = retarget(example('pull_request', action === 'synchronize' ? 'synchronize' : 'opened'), repo);
  p.action = action;
  p.number = number;
  p.pull_request.number = number;
  p.pull_request.head.sha = headSha;
  return p;
}

export const sha = (s: string) => createHash('sha1').update(s).digest('hex');

/**
 * Seeds `files` as the PR's changes in the sandbox and sends its pull_request event (head derived from
 * the files); the answer must be 201.
 */
export async function sendPull(
  stack: Pick<Stack, 'sandbox' | 'send'>,
  repo: string,
  number: number,
  files: ReturnType<typeof addedFile>[],
  action = 'opened',
) {
  const head = sha(`${repo}#${number}:${JSON.stringify(files)}`);
  const p = pullRequest(repo, number, head, action);
  stack.sandbox.addPull(repo.split('/')[0]!, repo.split('/')[1]!, p.pull_request, files);
  const r = await stack.send('pull_request', p);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { head, r };
}
