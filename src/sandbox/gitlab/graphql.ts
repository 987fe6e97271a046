// The sandbox's POST /api/graphql: the part of GitLab's GraphQL schema this project reads (a project's
// blobs at a ref, by path, in one request), executed by graphql-js so queries are parsed, validated and
// answered as a GraphQL server does. Like GitLab: a project the user may not read, or that does not exist,
// is null (no error); a path missing at the ref is left out of `nodes`; `rawTextBlob` is null for a binary
// blob; a connection gives at most 100 nodes a page.
import { buildSchema, executeSync, GraphQLError, parse, validate, type DocumentNode } from 'graphql';
import type { RequestContext } from './http.js';
import { ACCESS } from './state.js';

const SCHEMA = buildSchema(`
  scalar BigInt
  type Query {
    project(fullPath: ID!): Project
  }
  type Project { id: ID! fullPath: ID! repository: Repository }
  type Repository {
    blobs(paths: [String!]!, ref: String, after: String, before: String, first: Int, last: Int): RepositoryBlobConnection
  }
  type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
  type RepositoryBlobConnection { nodes: [RepositoryBlob] pageInfo: PageInfo! }
  type RepositoryBlob { id: ID! name: String! path: String! rawTextBlob: String rawSize: BigInt size: BigInt }
`);

/** GitLab's largest page of a connection. */
const MAX_PAGE = 100;

const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();

function checked(query: string): DocumentNode | readonly GraphQLError[] {
  let doc = documents.get(query);
  if (!doc) {
    try {
      const parsed = parse(query);
      const errors = validate(SCHEMA, parsed);
      doc = errors.length ? errors : parsed;
    } catch (err) {
      doc = [err as GraphQLError];
    }
    documents.set(query, doc);
  }
  return doc;
}

/** Answers one GraphQL request as the authenticated user of `ctx`. */
export function executeGraphql(ctx: RequestContext, body: unknown): { status: number; body: unknown } {
  const { query, variables } = (body ?? {}) as { query?: unknown; variables?: Record<string, unknown> };
  if (typeof query !== 'string') return { status: 200, body: { errors: [{ message: 'No query string was present' }] } };
  const doc = checked(query);
  if (Array.isArray(doc)) return { status: 200, body: { errors: doc.map((e) => ({ message: e.message })) } };
  const state = ctx.state;
  const result = executeSync({
    schema: SCHEMA,
    document: doc as DocumentNode,
    variableValues: variables,
    rootValue: {
      project: ({ fullPath }: { fullPath: string }) => {
        const p = state.project(fullPath);
        if (!p) return null;
        const level = state.accessLevel(p, ctx.user.id) ?? (p.visibility === 'private' ? 0 : ACCESS.guest);
        if (level < ACCESS.guest) return null;
        return {
          id: `gid://gitlab/Project/${p.id}`,
          fullPath,
          repository: {
            blobs: ({ paths, ref, first }: { paths: string[]; ref?: string; first?: number }) => {
              const at = ref ?? p.defaultBranch;
              const found = paths
                .map((path) => ({ path, text: p.files.get(`${at}:${path}`) }))
                .filter((f): f is { path: string; text: string } => f.text !== undefined);
              const page = found.slice(0, Math.min(first ?? MAX_PAGE, MAX_PAGE));
              return {
                nodes: page.map(({ path, text }) => {
                  const size = String(Buffer.byteLength(text));
                  return {
                    id: `gid://gitlab/Blob/${at}:${path}`,
                    name: path.split('/').at(-1),
                    path,
                    rawTextBlob: text.includes('\0') ? null : text,
                    rawSize: size,
                    size,
                  };
                }),
                pageInfo: {
                  hasNextPage: found.length > page.length,
                  hasPreviousPage: false,
                  startCursor: page.length ? '0' : null,
                  endCursor: page.length ? String(page.length - 1) : null,
                },
              };
            },
          },
        };
      },
    },
  });
  const errors = result.errors?.map((e) => ({ message: e.message, locations: e.locations, path: e.path }));
  return {
    status: 200,
    body: { ...(result.data !== undefined ? { data: result.data } : {}), ...(errors ? { errors } : {}) },
  };
}
