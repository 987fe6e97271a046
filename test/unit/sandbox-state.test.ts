// `aofctl dev` keeps the sandbox's state in .aof/sandbox.json: a restarted sandbox shows the same comments,
// labels, PRs and deploys, and hands out new ids after the old ones.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitHubSandbox } from '../../src/sandbox/github/server.js';
import { persistSandbox } from '../../src/sandbox/github/sandbox-state.js';

describe('sandbox state across restarts', () => {
  it('a comment written through the API, a label and a PR survive a restart; ids are not reused', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aof-sandbox-')), 'sandbox.json');
    const first = new GitHubSandbox();
    const kept = persistSandbox(first, file);
    const url = await first.start();
    first.addPull('octo', 'app', { number: 5, head: { sha: 'abc' } }, [{ filename: 'a.ts', content: 'x' }]);
    first.labels.set('octo/app#5', new Set(['bug']));
    const post = (base: string) =>
      fetch(`${base}/repos/octo/app/issues/5/comments`, {
        method: 'POST',
        headers: { authorization: 'token ghs_sandbox', 'content-type': 'application/json' },
        body: JSON.stringify({ body: 'hello' }),
      }).then((r) => r.json() as Promise<{ id: number }>);
    const { id } = await post(url);
    await first.stop();
    kept.stop();
    assert.ok(existsSync(file));

    const second = new GitHubSandbox();
    const again = persistSandbox(second, file);
    const url2 = await second.start();
    try {
      assert.deepEqual(
        second.comments.map((c) => [c.id, c.body]),
        [[id, 'hello']],
      );
      assert.deepEqual([...second.labels.get('octo/app#5')!], ['bug']);
      assert.ok(second.pulls.has('octo/app#5'));
      assert.equal(second.contents.get('octo/app@abc:a.ts'), 'x');
      const next = await post(url2);
      assert.ok(next.id > id, `new id ${next.id} after ${id}`);
    } finally {
      await second.stop();
      again.stop();
    }
  });
});
