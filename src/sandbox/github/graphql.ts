// The sandbox's POST /graphql: the part of GitHub's GraphQL schema this project reads (a repository's git
// objects by expression or a commit's file, blobs with their text, a pull request's facts and base, the rate limit), executed by graphql-js so queries are
// parsed, validated and answered as a real GraphQL server does (aliases, fragments, variables, an errors
// array beside partial data). Like GitHub: an unknown repository is null with a NOT_FOUND error, an
// unknown object is null without one, a blob's text is null when binary and cut (isTruncated) when large;
// a connection without `first`/`last` or asking for more than 100 nodes refuses the whole query.
import { createHash } from 'node:crypto';
import {
  buildSchema,
  executeSync,
  getNamedType,
  GraphQLError,
  Kind,
  parse,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ValueNode,
} from 'graphql';
import { route, type Route } from './http.js';
import type { GitHubSandbox } from './server.js';
import type { SandboxReviewThread } from './records.js';

const SCHEMA = buildSchema(`
  type Query {
    repository(owner: String!, name: String!, followRenames: Boolean = true): Repository
    rateLimit(dryRun: Boolean = false): RateLimit
    viewer: User!
  }
  type RateLimit { cost: Int! limit: Int! nodeCount: Int! remaining: Int! resetAt: String! used: Int! }
  type Repository {
    id: ID!
    name: String!
    nameWithOwner: String!
    object(expression: String, oid: String): GitObject
    pullRequest(number: Int!): PullRequest
    defaultBranchRef: Ref
  }
  type PullRequest {
    number: Int!
    isDraft: Boolean!
    title: String!
    author: Actor
    baseRefName: String!
    baseRefOid: String!
    baseRef: Ref
    comments(first: Int, last: Int): IssueCommentConnection!
    reviewThreads(first: Int, last: Int, after: String, before: String): PullRequestReviewThreadConnection!
  }
  type Ref { name: String! target: GitObject }
  type TreeEntry { name: String! path: String oid: String! object: GitObject }
  type Mutation {
    resolveReviewThread(input: ResolveReviewThreadInput!): ResolveReviewThreadPayload
    unresolveReviewThread(input: UnresolveReviewThreadInput!): UnresolveReviewThreadPayload
  }
  input ResolveReviewThreadInput { threadId: ID! clientMutationId: String }
  input UnresolveReviewThreadInput { threadId: ID! clientMutationId: String }
  type ResolveReviewThreadPayload { clientMutationId: String thread: PullRequestReviewThread }
  type UnresolveReviewThreadPayload { clientMutationId: String thread: PullRequestReviewThread }
  type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
  type PullRequestReviewThreadConnection { totalCount: Int! nodes: [PullRequestReviewThread] pageInfo: PageInfo! }
  type PullRequestReviewThread {
    id: ID!
    isResolved: Boolean!
    isOutdated: Boolean!
    path: String!
    line: Int
    startLine: Int
    resolvedBy: User
    comments(first: Int, last: Int): PullRequestReviewCommentConnection!
  }
  type PullRequestReviewCommentConnection { totalCount: Int! nodes: [PullRequestReviewComment] }
  type PullRequestReviewComment { databaseId: Int body: String! author: Actor }
  type IssueCommentConnection { totalCount: Int! nodes: [IssueComment] }
  type IssueComment { databaseId: Int body: String! author: Actor }
  interface Actor { login: String! }
  type User implements Actor { login: String! }
  type Bot implements Actor { login: String! }
  interface GitObject { id: ID! oid: String! abbreviatedOid: String! }
  type Blob implements GitObject {
    id: ID!
    oid: String!
    abbreviatedOid: String!
    byteSize: Int!
    isBinary: Boolean
    isTruncated: Boolean!
    text: String
  }
  type Commit implements GitObject {
    id: ID!
    oid: String!
    abbreviatedOid: String!
    message: String!
    file(path: String!): TreeEntry
  }
`);

export interface GraphqlSource {
  /** A file's content by `owner/repo@ref:path`. */
  content(owner: string, repo: string, ref: string, path: string): string | undefined;
  repositoryExists(owner: string, repo: string): boolean;
  /** A pull request's comments, oldest first; undefined when there is no such pull request. */
  comments(owner: string, repo: string, number: number): { id: number; body: string; user: string }[] | undefined;
  /** Blobs larger than this come back cut, with isTruncated. */
  textLimit(): number;
  /** A pull request as REST shows it (draft, title, user, base); undefined when there is none. */
  pull?(owner: string, repo: string, number: number): Record<string, any> | undefined;
  /** A pull request's review threads, oldest first. */
  threads(owner: string, repo: string, number: number): SandboxReviewThread[];
  /** A review thread by its node id, in any repository. */
  thread(id: string): SandboxReviewThread | undefined;
}

/** Each request costs one point of the hour's 5,000, as a query this small does on GitHub. */
export class SandboxGraphql {
  private used = 0;
  constructor(private readonly source: GraphqlSource) {}

  /** `viewer` is who the token acts as (an App's installation token: its `<slug>[bot]`). */
  execute(body: unknown, viewer: string): { status: number; body: unknown; headers: Record<string, string> } {
    this.used++;
    const reset = Math.ceil(Date.now() / 1000) + 3600;
    const headers = {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(5000 - this.used),
      'x-ratelimit-used': String(this.used),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-resource': 'graphql',
    };
    const { query, variables } = (body ?? {}) as { query?: unknown; variables?: Record<string, unknown> };
    if (typeof query !== 'string')
      return {
        status: 200,
        headers,
        body: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] },
      };
    // Parsed and validated once per query text, as graphql-js would on every request.
    const doc = checked(query);
    if ('errors' in doc) return { status: 200, headers, body: { errors: doc.errors.map(publicError) } };
    // GitHub checks a query's pagination before running any of it: a connection without `first` or
    // `last`, or asking for more than 100 nodes, refuses the whole query (no partial data).
    const refused = paginationErrors(doc.document, variables ?? {});
    if (refused.length) return { status: 200, headers, body: { data: null, errors: refused } };
    const result = executeSync({
      schema: SCHEMA,
      document: doc.document,
      variableValues: variables,
      rootValue: { ...this.root(reset), ...this.mutations(viewer), viewer: () => ({ login: viewer }) },
      typeResolver: (value) => (value as { __typename: string }).__typename,
    });
    const errors = result.errors?.map(publicError);
    return {
      status: 200,
      headers,
      body: { ...(result.data !== undefined ? { data: result.data } : {}), ...(errors ? { errors } : {}) },
    };
  }

  /** resolveReviewThread and unresolveReviewThread, as the viewer (an App's bot resolves as no User). */
  private mutations(viewer: string) {
    const set =
      (resolved: boolean) =>
      ({ input }: { input: { threadId: string; clientMutationId?: string } }) => {
        const t = this.source.thread(input.threadId);
        if (!t)
          throw new GraphQLError(`Could not resolve to a node with the global id of '${input.threadId}'`, {
            extensions: { type: 'NOT_FOUND' },
          });
        t.resolved = resolved;
        t.resolvedBy = resolved && !viewer.endsWith('[bot]') ? viewer : null;
        return { clientMutationId: input.clientMutationId ?? null, thread: threadNode(t) };
      };
    return { resolveReviewThread: set(true), unresolveReviewThread: set(false) };
  }

  private root(reset: number) {
    const src = this.source;
    return {
      rateLimit: () => ({
        cost: 1,
        limit: 5000,
        nodeCount: 0,
        remaining: 5000 - this.used,
        used: this.used,
        resetAt: new Date(reset * 1000).toISOString(),
      }),
      repository: ({ owner, name }: { owner: string; name: string }) => {
        if (!src.repositoryExists(owner, name))
          throw new GraphQLError(`Could not resolve to a Repository with the name '${owner}/${name}'.`, {
            extensions: { type: 'NOT_FOUND' },
          });
        /** A commit whose files are the sandbox's contents at `ref` (a missing path: a null entry). */
        const commitAt = (ref: string) => {
          const oid = /^[0-9a-f]{40}$/.test(ref) ? ref : createOid(Buffer.from(`${owner}/${name}@${ref}`));
          return {
            __typename: 'Commit',
            id: Buffer.from(`Commit:${oid}`).toString('base64'),
            oid,
            abbreviatedOid: oid.slice(0, 7),
            message: '',
            file: ({ path }: { path: string }) => {
              const text = src.content(owner, name, ref, path);
              if (text === undefined) return null;
              const object = blob(text, src.textLimit());
              return { name: path.split('/').pop(), path, oid: object.oid, object };
            },
          };
        };
        return {
          id: Buffer.from(`Repository:${owner}/${name}`).toString('base64'),
          name,
          nameWithOwner: `${owner}/${name}`,
          object: ({ expression }: { expression?: string }) => {
            const at = expression?.indexOf(':') ?? -1;
            if (!expression || at < 0) return null;
            const text = src.content(owner, name, expression.slice(0, at), expression.slice(at + 1));
            return text === undefined ? null : blob(text, src.textLimit());
          },
          // The sandbox's default branch is its contents at `HEAD`.
          defaultBranchRef: () => ({ name: 'main', target: commitAt('HEAD') }),
          pullRequest: ({ number }: { number: number }) => {
            const all = src.comments(owner, name, number);
            if (!all)
              throw new GraphQLError(`Could not resolve to a PullRequest with the number of ${number}.`, {
                extensions: { type: 'NOT_FOUND' },
              });
            const p = src.pull?.(owner, name, number) ?? {};
            const base = { ref: 'main', sha: '0'.repeat(40), ...p.base };
            const login = String(p.user?.login ?? 'octocat');
            return {
              number,
              isDraft: p.draft === true,
              title: String(p.title ?? ''),
              author: login.endsWith('[bot]')
                ? { __typename: 'Bot', login: login.slice(0, -'[bot]'.length) }
                : { __typename: 'User', login },
              baseRefName: base.ref,
              baseRefOid: base.sha,
              // The sandbox keeps no branches: the base branch's tip is the pull request's base commit.
              baseRef: { name: base.ref, target: commitAt(base.sha) },
              comments: (args: { first?: number; last?: number }) => page(all, args),
              reviewThreads: (args: { first?: number; last?: number; after?: string }) =>
                threadPage(src.threads(owner, name, number), args),
            };
          },
        };
      },
    };
  }
}

/**
 * A review thread as GraphQL shows it. `resolvedBy` is a User: a thread an App resolved has none (null).
 */
function threadNode(t: SandboxReviewThread) {
  return {
    id: t.id,
    isResolved: t.resolved,
    isOutdated: false,
    path: t.path,
    line: t.line,
    startLine: t.start_line ?? null,
    resolvedBy: t.resolved && t.resolvedBy ? { login: t.resolvedBy } : null,
    comments: (args: { first?: number; last?: number }) => page(t.comments, args),
  };
}

/** A page of review threads after a cursor (the index of the last one seen), as GitHub's cursors page. */
function threadPage(
  all: SandboxReviewThread[],
  { first, last, after }: { first?: number; last?: number; after?: string },
) {
  const from = after
    ? Number(
        Buffer.from(after, 'base64')
          .toString('utf8')
          .replace(/^cursor:/, ''),
      ) + 1
    : 0;
  const rest = all.slice(Number.isSafeInteger(from) && from >= 0 ? from : 0);
  const nodes = first !== undefined ? rest.slice(0, first) : rest.slice(-(last ?? rest.length));
  const start = all.length - rest.length + (first !== undefined ? 0 : rest.length - nodes.length);
  const cursor = (i: number) => Buffer.from(`cursor:${i}`).toString('base64');
  return {
    totalCount: all.length,
    nodes: nodes.map(threadNode),
    pageInfo: {
      hasNextPage: first !== undefined && start + nodes.length < all.length,
      hasPreviousPage: start > 0,
      startCursor: nodes.length ? cursor(start) : null,
      endCursor: nodes.length ? cursor(start + nodes.length - 1) : null,
    },
  };
}

/** An error as the answer shows it. */
function publicError(e: GraphQLError) {
  return {
    ...(e.extensions?.type ? { type: e.extensions.type } : {}),
    ...(e.path ? { path: e.path } : {}),
    ...(e.locations ? { locations: e.locations } : {}),
    message: e.message,
  };
}

/** Validated documents by query text (the project sends few distinct texts); bounded. */
const DOCUMENTS = new Map<string, { document: DocumentNode } | { errors: readonly GraphQLError[] }>();

/** A query parsed and validated against the schema, or its syntax or validation errors. */
function checked(query: string): { document: DocumentNode } | { errors: readonly GraphQLError[] } {
  const known = DOCUMENTS.get(query);
  if (known) return known;
  let out: { document: DocumentNode } | { errors: readonly GraphQLError[] };
  try {
    const document = parse(query);
    const errors = validate(SCHEMA, document);
    out = errors.length ? { errors } : { document };
  } catch (err) {
    if (!(err instanceof GraphQLError)) throw err;
    out = { errors: [err] };
  }
  if (DOCUMENTS.size >= 200) DOCUMENTS.delete(DOCUMENTS.keys().next().value!);
  DOCUMENTS.set(query, out);
  return out;
}

/**
 * The pagination errors GitHub's static analysis finds in a valid query (before it runs): every
 * connection needs `first` or `last`, from 1 to 100 (GitHub's "Resource limitations" for the GraphQL API).
 */
function paginationErrors(
  doc: DocumentNode,
  variables: Record<string, unknown>,
): { type: string; path: string[]; locations: { line: number; column: number }[]; message: string }[] {
  const info = new TypeInfo(SCHEMA);
  const out: ReturnType<typeof paginationErrors> = [];
  const path: string[] = [];
  const value = (v: ValueNode | undefined): unknown =>
    v === undefined
      ? undefined
      : v.kind === Kind.VARIABLE
        ? variables[v.name.value]
        : v.kind === Kind.INT
          ? Number(v.value)
          : v.kind === Kind.NULL
            ? null
            : undefined;
  visit(
    doc,
    visitWithTypeInfo(info, {
      Field: {
        enter(node) {
          path.push(node.alias?.value ?? node.name.value);
          const type = info.getType();
          if (!type || !getNamedType(type).name.endsWith('Connection')) return;
          const arg = (name: string) => value(node.arguments?.find((a) => a.name.value === name)?.value);
          const first = arg('first');
          const last = arg('last');
          const at = {
            path: [...path],
            locations: node.loc ? [{ line: node.loc.startToken.line, column: node.loc.startToken.column }] : [],
          };
          const field = node.name.value;
          if (first == null && last == null)
            out.push({
              type: 'MISSING_PAGINATION_BOUNDARIES',
              ...at,
              message: `You must provide a \`first\` or \`last\` value to properly paginate the \`${field}\` connection.`,
            });
          for (const [name, n] of [
            ['first', first],
            ['last', last],
          ] as const)
            if (typeof n === 'number' && (n < 1 || n > 100))
              out.push({
                type: 'EXCESSIVE_PAGINATION',
                ...at,
                message: `Requesting ${n} records on the \`${field}\` connection exceeds the \`${name}\` limit of 100 records.`,
              });
        },
        leave() {
          path.pop();
        },
      },
    }),
  );
  return out;
}

/** A page of a connection: GitHub requires first or last, 1 to 100 (checked before the query runs). */
function page(
  all: readonly { id: number; body: string; user: string }[],
  { first, last }: { first?: number; last?: number },
) {
  const n = first ?? last;
  if (n === undefined)
    throw new GraphQLError(
      'You must provide a `first` or `last` value to properly paginate the `comments` connection.',
    );
  if (n < 1 || n > 100)
    throw new GraphQLError(
      `Requesting ${n} records on the \`comments\` connection exceeds the \`${first !== undefined ? 'first' : 'last'}\` limit of 100 records.`,
    );
  const nodes = first !== undefined ? all.slice(0, n) : all.slice(-n);
  return {
    totalCount: all.length,
    // GraphQL names an App's bot without the [bot] that REST adds.
    nodes: nodes.map((c) => ({
      databaseId: c.id,
      body: c.body,
      author: c.user.endsWith('[bot]')
        ? { __typename: 'Bot', login: c.user.slice(0, -'[bot]'.length) }
        : { __typename: 'User', login: c.user },
    })),
  };
}

function blob(content: string, textLimit: number) {
  const bytes = Buffer.from(content, 'utf8');
  const oid = createOid(bytes);
  const isBinary = bytes.includes(0);
  const isTruncated = !isBinary && bytes.length > textLimit;
  return {
    __typename: 'Blob',
    id: Buffer.from(`Blob:${oid}`).toString('base64'),
    oid,
    abbreviatedOid: oid.slice(0, 7),
    byteSize: bytes.length,
    isBinary,
    isTruncated,
    text: isBinary ? null : isTruncated ? bytes.subarray(0, textLimit).toString('utf8') : content,
  };
}

/** Git's blob id: sha1 of "blob <size>\0" and the bytes. */
function createOid(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** POST /graphql, answered from the sandbox's pull requests, contents and comments. */
export function graphqlRoutes(s: GitHubSandbox): Route[] {
  const graphql = new SandboxGraphql({
    content: (owner, repo, ref, path) => s.contents.get(`${owner}/${repo}@${ref}:${path}`),
    repositoryExists: (owner, repo) =>
      [...s.pulls.keys(), ...s.contents.keys()].some(
        (k) => k.startsWith(`${owner}/${repo}#`) || k.startsWith(`${owner}/${repo}@`),
      ),
    textLimit: () => s.blobTextLimit,
    pull: (owner, repo, number) => s.pulls.get(`${owner}/${repo}#${number}`)?.pull,
    comments: (owner, repo, number) =>
      s.exists(owner, repo, number, 'pull') ? s.commentsOn(owner, repo, number) : undefined,
    threads: (owner, repo, number) => s.threadsOn(owner, repo, number),
    thread: (id) => s.reviewThreads.find((t) => t.id === id),
  });
  return [route('POST', '/graphql', ({ body, token }) => graphql.execute(body, token.login))];
}
