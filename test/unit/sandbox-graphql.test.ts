// The sandbox's GraphQL endpoint answers like GitHub's where the gate reads through it: aliases, blobs
// with their fields, null for a missing object, an errors array beside partial data, rate-limit headers.
import assert from 'node:assert/strict';
import { createOctokit } from '../../src/forges/github/client.js';
import { GitHubSandbox } from '../../src/sandbox/github/server.js';

describe('GitHub sandbox GraphQL', () => {
  const sandbox = new GitHubSandbox();
  let gh: ReturnType<typeof createOctokit>;
  before(async () => {
    await sandbox.start();
    gh = createOctokit(sandbox.url, 'ghs_installation');
    sandbox.contents.set('o/r@abc:src/a.ts', 'export const a = 1;\n');
    sandbox.contents.set('o/r@abc:big.txt', 'x'.repeat(100));
    sandbox.contents.set('o/r@abc:logo.png', 'PNG\0\x01');
  });
  after(() => sandbox.stop());

  const blobs = `query($e0: String!, $e1: String!, $e2: String!, $e3: String!) {
    repository(owner: "o", name: "r") {
      f0: object(expression: $e0) { ... on Blob { text byteSize isTruncated isBinary } }
      f1: object(expression: $e1) { ... on Blob { text byteSize isTruncated isBinary } }
      f2: object(expression: $e2) { ... on Blob { text byteSize isTruncated isBinary } }
      f3: object(expression: $e3) { ... on Blob { text byteSize isTruncated isBinary } }
    }
  }`;

  it('answers blobs by alias: text, size, binary, truncated, and null for a missing path', async () => {
    sandbox.blobTextLimit = 10;
    try {
      const { repository } = await gh.graphql<{ repository: Record<string, unknown> }>(blobs, {
        e0: 'abc:src/a.ts',
        e1: 'abc:big.txt',
        e2: 'abc:logo.png',
        e3: 'abc:gone.ts',
      });
      assert.deepEqual(repository, {
        f0: { text: 'export con', byteSize: 20, isTruncated: true, isBinary: false },
        f1: { text: 'xxxxxxxxxx', byteSize: 100, isTruncated: true, isBinary: false },
        f2: { text: null, byteSize: 5, isTruncated: false, isBinary: true },
        f3: null,
      });
    } finally {
      sandbox.blobTextLimit = 512 * 1024;
    }
    const { repository } = await gh.graphql<{ repository: { f0: { text: string } } }>(
      '{ repository(owner: "o", name: "r") { f0: object(expression: "abc:src/a.ts") { ... on Blob { text } } } }',
    );
    assert.equal(repository.f0.text, 'export const a = 1;\n');
  });

  it('an unknown repository is null with a NOT_FOUND error; an invalid query is an error answer', async () => {
    type Answer = { name: string; data: unknown; errors: { type?: string; path?: string[]; message: string }[] };
    const err = await gh
      .graphql('{ repository(owner: "o", name: "nope") { object(expression: "abc:x") { oid } } }')
      .then(
        () => assert.fail('an error answer'),
        (e: Answer) => e,
      );
    assert.equal(err.name, 'GraphqlResponseError');
    assert.deepEqual(err.data, { repository: null });
    assert.equal(err.errors[0]!.type, 'NOT_FOUND');
    assert.deepEqual(err.errors[0]!.path, ['repository']);
    assert.match(err.errors[0]!.message, /Could not resolve to a Repository with the name 'o\/nope'/);

    const invalid = await gh.graphql('{ repository(owner: "o", name: "r") { stars } }').then(
      () => assert.fail('an error answer'),
      (e: Answer) => e,
    );
    assert.equal(invalid.name, 'GraphqlResponseError');
    assert.match(invalid.errors[0]!.message, /Cannot query field "stars" on type "Repository"/);
  });

  it('reports its rate limit in headers and as rateLimit', async () => {
    const res = await gh.request('POST /graphql', { query: '{ rateLimit { limit remaining used } }' });
    assert.equal(res.headers['x-ratelimit-resource'], 'graphql');
    const data = (res.data as { data: { rateLimit: { limit: number; remaining: number; used: number } } }).data;
    assert.equal(data.rateLimit.limit, 5000);
    assert.equal(Number(res.headers['x-ratelimit-remaining']), data.rateLimit.remaining);
    assert.equal(data.rateLimit.remaining + data.rateLimit.used, 5000);
  });

  it('refuses the whole query, without partial data, when a connection is unbounded or asks for over 100', async () => {
    sandbox.addPull('o', 'r', { number: 3, head: { sha: 'abc' } });
    type Answer = { data: unknown; errors: { type?: string; path?: string[]; message: string }[] };
    const ask = (comments: string) =>
      gh
        .request('POST /graphql', {
          query: `query${comments.includes('$n') ? '($n: Int)' : ''} { repository(owner: "o", name: "r") {
            f0: object(expression: "abc:src/a.ts") { ... on Blob { text } }
            pr: pullRequest(number: 3) { ${comments} { totalCount } }
          } }`,
          variables: comments.includes('$n') ? { n: 101 } : {},
        })
        .then((res) => res.data as Answer);
    const tooMany = await ask('comments(first: $n)');
    assert.equal(tooMany.data, null, 'no partial data');
    assert.equal(tooMany.errors[0]!.type, 'EXCESSIVE_PAGINATION');
    assert.deepEqual(tooMany.errors[0]!.path, ['repository', 'pr', 'comments']);
    assert.match(
      tooMany.errors[0]!.message,
      /Requesting 101 records on the `comments` connection exceeds the `first` limit of 100/,
    );
    const unbounded = await ask('comments');
    assert.equal(unbounded.data, null);
    assert.equal(unbounded.errors[0]!.type, 'MISSING_PAGINATION_BOUNDARIES');
    const fine = await ask('comments(last: 100)');
    assert.equal(fine.errors, undefined);
    assert.deepEqual(fine.data, {
      repository: { f0: { text: 'export const a = 1;\n' }, pr: { comments: { totalCount: 0 } } },
    });
  });
});
