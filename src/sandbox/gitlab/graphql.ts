// The sandbox's POST /api/graphql: the part of GitLab's GraphQL schema this project reads (a project's
// blobs at a ref, by path, and a merge request's fields (title, draft, target branch, author), diff refs and
// notes, in one request), executed by
// graphql-js so queries are parsed, validated and answered as a GraphQL server does. Like GitLab: a project
// the user may not read, or that does not exist, is null (no error), and so is an unknown merge request; a
// path missing at the ref is left out of `nodes`; `rawTextBlob` is null for a binary blob; ids are global
// ids (`gid://gitlab/Note/1`); internal notes only for reporters and up; a connection gives at most 100
// nodes a page.
import { buildSchema, executeSync, GraphQLError, parse, validate, type DocumentNode } from 'graphql';
import type { RequestContext } from './http.js';
import { ACCESS } from './state.js';

const SCHEMA = buildSchema(`
  scalar BigInt
  type Query {
    project(fullPath: ID!): Project
  }
  type Project { id: ID! fullPath: ID! repository: Repository mergeRequest(iid: String!): MergeRequest }
  type MergeRequest {
    id: ID!
    iid: String!
    title: String!
    draft: Boolean!
    targetBranch: String!
    author: MergeRequestAuthor
    diffRefs: DiffRefs
    notes(after: String, before: String, first: Int, last: Int): NoteConnection!
  }
  type DiffRefs { baseSha: String headSha: String! startSha: String! }
  type NoteConnection { nodes: [Note] pageInfo: PageInfo! }
  type Note { id: ID! body: String! system: Boolean! internal: Boolean author: UserCore }
  type UserCore { id: ID! username: String! }
  type MergeRequestAuthor { id: ID! username: String! }
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

/** One page of a connection over `items`: `after` is the index of the last item of the page before. */
function page<T>(items: T[], args: { first?: number; after?: string }) {
  const from = args.after !== undefined && /^\d+$/.test(args.after) ? Number(args.after) + 1 : 0;
  const nodes = items.slice(from, from + Math.min(args.first ?? MAX_PAGE, MAX_PAGE));
  return {
    nodes,
    pageInfo: {
      hasNextPage: from + nodes.length < items.length,
      hasPreviousPage: from > 0,
      startCursor: nodes.length ? String(from) : null,
      endCursor: nodes.length ? String(from + nodes.length - 1) : null,
    },
  };
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
              const { nodes, pageInfo } = page(found, { first });
              return {
                nodes: nodes.map(({ path, text }) => {
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
                pageInfo,
              };
            },
          },
          mergeRequest: ({ iid }: { iid: string }) => {
            const mr = /^\d+$/.test(iid) ? state.mergeRequest(p, Number(iid)) : undefined;
            if (!mr) return null;
            return {
              id: `gid://gitlab/MergeRequest/${mr.id}`,
              iid: String(mr.iid),
              title: mr.title,
              draft: mr.draft,
              targetBranch: mr.targetBranch,
              author: ((u) => (u ? { id: `gid://gitlab/User/${u.id}`, username: u.username } : null))(
                state.users.get(mr.authorId),
              ),
              diffRefs: { baseSha: mr.baseSha, headSha: mr.headSha, startSha: mr.startSha },
              notes: (args: { first?: number; after?: string }) => {
                const notes = state
                  .notesOf(mr)
                  .filter((n) => !n.internal || level >= ACCESS.reporter)
                  .sort((a, b) => a.id - b.id)
                  .map((n) => {
                    const author = state.users.get(n.authorId);
                    return {
                      id: `gid://gitlab/Note/${n.id}`,
                      body: n.body,
                      system: n.system,
                      internal: n.internal,
                      author: author ? { id: `gid://gitlab/User/${author.id}`, username: author.username } : null,
                    };
                  });
                return page(notes, args);
              },
            };
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
