// What GitHub accepts on the REST routes the sandbox serves: the parameters and request bodies of GitHub's
// published OpenAPI description (github-contract.json, written by `npm run github:contract` from
// @octokit/openapi for exactly the sandbox's routes), plus a small hand-written overlay for limits GitHub
// enforces but does not publish in the schema. The sandbox checks every request against it, as GitHub
// does: a body that breaks the schema is a 422 "Invalid request" (a missing required field, an unknown
// field, a value outside its enum, a string over its length); a query parameter GitHub does not know is
// ignored by GitHub, so the sandbox ignores it too but records it as a violation tests can assert on.
import { readFileSync } from 'node:fs';

/** The part of JSON Schema the contract keeps (descriptions, examples and formats are dropped). */
export interface Schema {
  type?: string | string[];
  enum?: unknown[];
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  /** Overlay only: UTF-8 bytes at most (GitHub's "64 KB" limits). */
  maxBytes?: number;
  /** Overlay only: values the schema lists but a client may not send (GitHub sets them itself). */
  forbidden?: unknown[];
  /** Overlay only: GitHub answers this limit as "Validation Failed" on `resource`, not "Invalid request". */
  resource?: string;
  /** Overlay only: the field such an answer names (the last name in the path by default). */
  field?: string;
}

export interface Operation {
  operationId: string;
  /** Query parameters by name. */
  query: Record<string, Schema>;
  /** The application/json request body, when the operation takes one. */
  body?: Schema;
}

export interface Contract {
  source: string;
  /** By `METHOD /path/{template}`. */
  operations: Record<string, Operation>;
}

/**
 * Limits GitHub enforces beyond its OpenAPI description, by operation and a dotted path into the body
 * (`[]` for an array's items). Each names where GitHub says so.
 */
const OVERLAY: Record<string, Record<string, Schema>> = {
  // "Body is too long (maximum is 65536 characters)": GitHub's 422 for an issue comment or review body.
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': {
    body: { minLength: 1, maxLength: 65536, resource: 'IssueComment' },
  },
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': {
    body: { minLength: 1, maxLength: 65536, resource: 'IssueComment' },
  },
  'POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews': {
    body: { maxLength: 65536, resource: 'PullRequestReview' },
  },
  // Labels: "Name is too long (maximum is 50 characters)" (a new label is created by adding it).
  'POST /repos/{owner}/{repo}/issues/{issue_number}/labels': {
    'labels[]': { minLength: 1, maxLength: 50, resource: 'Label', field: 'name' },
    'labels[].name': { minLength: 1, maxLength: 50, resource: 'Label', field: 'name' },
  },
  // Commit statuses: "description is too long (maximum is 140 characters)".
  'POST /repos/{owner}/{repo}/statuses/{sha}': {
    description: { maxLength: 140, resource: 'Status' },
  },
  'POST /repos/{owner}/{repo}/check-runs': checkRunOverlay(),
  'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}': checkRunOverlay(),
};

function checkRunOverlay(): Record<string, Schema> {
  return {
    // "You cannot change a check run conclusion to `stale`, only GitHub can set this." (the conclusion's
    // description in the REST reference).
    conclusion: { forbidden: ['stale'] },
    // A check run's title is at most 255 characters, as an annotation's ("The maximum size is 255
    // characters", REST reference, Create a check run).
    'output.title': { maxLength: 255 },
    // GitHub counts these in bytes: "summary exceeds a maximum bytesize of 65535" (its 422 to a longer one).
    'output.summary': { maxBytes: 65535 },
    'output.text': { maxBytes: 65535 },
    // "The start line of the annotation. Line numbers start at 1."
    'output.annotations[].start_line': { minimum: 1 },
    'output.annotations[].end_line': { minimum: 1 },
    'output.annotations[].title': { maxLength: 255 },
    // "A short description of the feedback for these lines of code. The maximum size is 64 KB."
    'output.annotations[].message': { maxBytes: 64 * 1024 },
    'output.annotations[].raw_details': { maxBytes: 64 * 1024 },
  };
}

export const CONTRACT_FILE = new URL('./github-contract.json', import.meta.url);

let loaded: Contract | undefined;

/** The committed contract with the overlay applied. */
export function contract(): Contract {
  if (loaded) return loaded;
  const c = JSON.parse(readFileSync(CONTRACT_FILE, 'utf8')) as Contract;
  for (const [key, fields] of Object.entries(OVERLAY)) {
    const op = c.operations[key];
    if (!op?.body) throw new Error(`github-contract.json has no body for ${key}: run npm run github:contract`);
    for (const [path, extra] of Object.entries(fields)) {
      const targets = locate(op.body, path.split('.'));
      if (!targets.length) throw new Error(`the contract overlay names ${path}, which ${key} does not have`);
      for (const t of targets) Object.assign(t, extra);
    }
  }
  return (loaded = c);
}

/** Every schema at a dotted path (several when the path runs through anyOf/oneOf branches). */
function locate(schema: Schema, path: string[]): Schema[] {
  const inBranches = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])].flatMap((b) =>
    locate(b, path),
  );
  if (!path.length) return inBranches.length ? inBranches : [schema];
  const [head, ...rest] = path as [string, ...string[]];
  const array = head.endsWith('[]');
  const prop = schema.properties?.[array ? head.slice(0, -2) : head];
  if (!prop) return inBranches;
  return [...inBranches, ...(!array ? locate(prop, rest) : prop.items ? locate(prop.items, rest) : [])];
}

/** A body's problems, as GitHub words them; empty when it is valid. */
export interface BodyProblem {
  /** Where, as GitHub's messages say it (`output/annotations/0/start_line`). */
  at: string;
  message: string;
  /** Set for a limit GitHub answers as "Validation Failed" on this resource. */
  resource?: string;
  field?: string;
}

const typeOf = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'array'
      : Number.isInteger(v)
        ? 'integer'
        : typeof v === 'number'
          ? 'number'
          : typeof v;

function typeMatches(type: string, v: unknown): boolean {
  const t = typeOf(v);
  return t === type || (type === 'number' && t === 'integer');
}

export function validateBody(schema: Schema, value: unknown, at = ''): BodyProblem[] {
  const where = at || 'body';
  const name = schema.field ?? lastField(at);
  const problem = (message: string, field?: string): BodyProblem[] => [
    { at: where, message, ...(schema.resource ? { resource: schema.resource, field: field ?? name } : {}) },
  ];
  if (value === null && schema.nullable) return [];
  if (schema.anyOf || schema.oneOf) {
    const branches = (schema.anyOf ?? schema.oneOf)!;
    const results = branches.map((b) => validateBody(b, value, at));
    // A branch matches when only the overlay's limits (checked after the schema, on GitHub) fail in it.
    const matching = results.filter((r) => r.every((p) => p.resource));
    if (schema.oneOf ? matching.length === 1 : matching.length > 0) {
      // Constraints beside the branches still apply.
      const { anyOf: _a, oneOf: _o, ...rest } = schema;
      return [...matching[0]!, ...validateBody(rest, value, at)];
    }
    const closest = results.reduce((a, b) => (b.length < a.length ? b : a));
    return [
      {
        at: where,
        message: `No subschema in "${schema.anyOf ? 'anyOf' : 'oneOf'}" matched.\n${closest.map((p) => p.message).join('\n')}`,
      },
    ];
  }
  for (const s of schema.allOf ?? []) {
    const p = validateBody(s, value, at);
    if (p.length) return p;
  }
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length && !types.some((t) => typeMatches(t, value)))
    return [
      {
        at: where,
        message: `For '${where}', ${JSON.stringify(value)} is not ${article(types.join(' or '))}.`,
      },
    ];
  if (schema.enum && !schema.enum.includes(value))
    return [
      {
        at: where,
        message: `For '${where}', ${JSON.stringify(value)} is not a member of ${JSON.stringify(schema.enum)}.`,
      },
    ];
  if (schema.forbidden?.includes(value))
    return [{ at: where, message: `For '${where}', ${JSON.stringify(value)} is set by GitHub only.` }];
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength)
      return schema.resource
        ? problem(`${name} can't be blank`)
        : problem(`For '${where}', ${JSON.stringify(value)} is too short (minimum is ${schema.minLength}).`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      return schema.resource
        ? problem(`${name} is too long (maximum is ${schema.maxLength} characters)`)
        : problem(`For '${where}', only ${schema.maxLength} characters are allowed; ${value.length} were supplied.`);
    const bytes = Buffer.byteLength(value, 'utf8');
    if (schema.maxBytes !== undefined && bytes > schema.maxBytes)
      return problem(`For '${where}', only ${schema.maxBytes} bytes are allowed; ${bytes} were supplied.`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      return problem(`For '${where}', ${value} is less than ${schema.minimum}.`);
    if (schema.maximum !== undefined && value > schema.maximum)
      return problem(`For '${where}', ${value} is greater than ${schema.maximum}.`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      return problem(`For '${where}', at least ${schema.minItems} items are required; ${value.length} were supplied.`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      return problem(`For '${where}', only ${schema.maxItems} items are allowed; ${value.length} were supplied.`);
    if (schema.items) return value.flatMap((v, i) => validateBody(schema.items!, v, join(at, String(i))));
  }
  if (typeOf(value) === 'object' && (schema.properties || schema.required)) {
    const obj = value as Record<string, unknown>;
    const missing = (schema.required ?? []).filter((k) => obj[k] === undefined);
    if (missing.length)
      return [
        {
          at: where,
          message: `${missing.map((k) => JSON.stringify(k)).join(', ')} ${missing.length > 1 ? "weren't" : "wasn't"} supplied.`,
        },
      ];
    const out: BodyProblem[] = [];
    for (const [k, v] of Object.entries(obj)) {
      const prop = schema.properties?.[k];
      if (prop) out.push(...validateBody(prop, v, join(at, k)));
      else if (schema.additionalProperties === false || schema.additionalProperties === undefined)
        out.push({ at: where, message: `${JSON.stringify(k)} is not a permitted key.` });
      else if (typeof schema.additionalProperties === 'object')
        out.push(...validateBody(schema.additionalProperties, v, join(at, k)));
    }
    return out;
  }
  return [];
}

const join = (at: string, k: string) => (at ? `${at}/${k}` : k);
const lastField = (at: string) =>
  at
    .split('/')
    .filter((s) => !/^\d+$/.test(s))
    .pop() ?? 'body';
const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

/**
 * Query parameters GitHub would not understand: GitHub ignores them (unknown names, values outside an
 * enum or not a number fall back to the default), so they are not refused, only reported.
 */
export function queryProblems(op: Operation, query: URLSearchParams): string[] {
  const out: string[] = [];
  for (const [name, value] of query) {
    const s = op.query[name];
    if (!s) {
      out.push(`unknown query parameter "${name}" (GitHub ignores it)`);
      continue;
    }
    if (s.type === 'integer' && !/^-?\d+$/.test(value)) out.push(`query parameter "${name}" is not an integer`);
    else if (s.enum && !s.enum.includes(value))
      out.push(`query parameter "${name}": ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  }
  return out;
}
