// Parses one YAML file (one or more documents) into validated resources, collecting every problem with
// its file:line:column instead of stopping at the first.
import { isMap, isScalar, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { envPolicy, expandEnv, misplacedEnvReferences, type EnvProblem } from './env.js';
import { inertKeys, schemaAt } from './primitives.js';
import { didYouMean, type ConfigProblem } from './problems.js';
import { schemaForKind, type Kind } from './schema.js';

export interface Sourced<T> {
  resource: T;
  file: string;
  line: number;
}

export interface ParsedFile {
  resources: Sourced<{ kind: Kind; metadata: { name: string }; spec: unknown }>[];
  problems: ConfigProblem[];
  /** Keys AOF documents that have no effect here: the resource loads, and each is reported. */
  warnings: ConfigProblem[];
}

type PathItem = string | number;

/** Where each parsed resource's keys are, kept beside it (not on it: resources travel into workflow input). */
const locators = new WeakMap<object, (path: PathItem[]) => { line: number; column: number }>();

/**
 * The line and column of the key at `path` in the resource's YAML (or its deepest existing ancestor),
 * so a problem found after parsing (an undefined agent) points where the user wrote the name.
 */
export function positionOf(s: Sourced<unknown>, path: PathItem[]): { line: number; column: number } {
  const outer = derivedPaths.get(s);
  if (outer) return positionOf(outer.parent, outer.toParent(path));
  return locators.get(s)?.(path) ?? { line: s.line, column: 1 };
}

/** Resources made from part of another (an inline fleet member's agent): where their keys are written. */
const derivedPaths = new WeakMap<object, { parent: Sourced<unknown>; toParent: (path: PathItem[]) => PathItem[] }>();

/** A resource defined inside `parent`, whose key `path` is written at `toParent(path)` there. */
export function derivedResource<T>(
  parent: Sourced<unknown>,
  resource: T,
  toParent: (path: PathItem[]) => PathItem[],
): Sourced<T> {
  const s = { resource, file: parent.file, line: positionOf(parent, toParent([])).line };
  derivedPaths.set(s, { parent, toParent });
  return s;
}

/** A problem at the key `path` of a resource, named and placed where the user wrote that key. */
export function problemAt(s: Sourced<unknown>, path: PathItem[], message: string): ConfigProblem {
  const outer = derivedPaths.get(s);
  if (outer) return problemAt(outer.parent, outer.toParent(path), message);
  return { file: s.file, ...positionOf(s, path), path: path.join('.'), message };
}

/** Locates the node at `path` (or its deepest existing ancestor); for a key, the key itself. */
function locate(doc: Document, path: PathItem[], preferKey: boolean): Node | undefined {
  let node: unknown = doc.contents;
  for (let i = 0; i < path.length; i++) {
    if (!isMap(node) && !(node && typeof node === 'object' && 'items' in node)) break;
    const coll = node as { items: unknown[] };
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === seg);
      if (!pair) break;
      if (preferKey && i === path.length - 1) return pair.key as Node;
      node = pair.value ?? pair.key;
    } else if (typeof seg === 'number' && coll.items[seg]) {
      node = coll.items[seg];
    } else break;
  }
  return (node as Node) ?? undefined;
}

/** The keys a strict object schema accepts at `path` of `value`, for "did you mean". */
function knownKeysAt(schema: z.ZodType, path: PathItem[], value: unknown): string[] {
  const s = schemaAt(schema, path, value);
  return s?._zod.def.type === 'object' ? Object.keys(s._zod.def.shape) : [];
}

/**
 * A union (such as an MCP server given by name or as an entry) whose input is of one option's type only:
 * that option's own issues, at their paths, rather than "Invalid input" at the union.
 */
function unionIssues(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || !('errors' in issue) || !Array.isArray(issue.errors)) return [issue];
  const typed = (issue.errors as z.core.$ZodIssue[][]).filter(
    (branch) => !(branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0),
  );
  if (typed.length !== 1) return [issue];
  return typed[0]!.flatMap((i) => unionIssues({ ...i, path: [...issue.path, ...i.path] } as z.core.$ZodIssue));
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    return issue.input === undefined ? `is required (expected ${issue.expected})` : `expected ${issue.expected}`;
  }
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
    // A discriminator such as a Trigger's `type`: say which values there are, and which one was meant.
    const options = issue.options.map(String);
    const d = 'discriminator' in issue ? String(issue.discriminator) : undefined;
    const input =
      d && issue.input && typeof issue.input === 'object' ? (issue.input as Record<string, unknown>)[d] : issue.input;
    const hint = typeof input === 'string' ? didYouMean(input, options) : '';
    return `${input === undefined ? 'is required: ' : ''}expected one of ${options.map((o) => JSON.stringify(o)).join(', ')}${hint}`;
  }
  return issue.message;
}

/**
 * Each of a schema's issues with a document, placed where the user wrote the key it is about: `at` gets
 * the offset in the text, the key's path and the message (unknown keys with a "did you mean").
 */
export function reportIssues(
  doc: Document,
  schema: z.ZodType,
  value: unknown,
  issues: z.core.$ZodIssue[],
  at: (offset: number | undefined, path: PathItem[], message: string) => void,
): void {
  const nodeAt = (path: PathItem[], preferKey = false) => locate(doc, path, preferKey)?.range?.[0];
  // A union's issues are those of the branch the input was meant for, where one is (unionIssues).
  for (const issue of issues.flatMap(unionIssues)) {
    const path = issue.path as PathItem[];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, path, value);
      for (const key of issue.keys) {
        at(nodeAt([...path, key], true), [...path, key], `unknown key "${key}"${didYouMean(key, known)}`);
      }
    } else if (issue.code === 'invalid_type' && issue.input === undefined && path.length > 1) {
      // A missing field: point at the key of the object that lacks it.
      at(nodeAt(path.slice(0, -1), true), path, describeIssue(issue));
    } else {
      at(nodeAt(path), path, describeIssue(issue));
    }
  }
}

export interface ParseOptions {
  /**
   * An unset `${VAR}` without a default: an error (where the process that runs with these files loads
   * them), or a warning with the reference left as written (`aofctl validate` of resource files, which
   * checks their form on a machine that need not hold the daemon's secrets).
   */
  unsetVariables?: 'error' | 'warning';
}

export function parseResourceFile(file: string, text: string, options: ParseOptions = {}): ParsedFile {
  const lenient = options.unsetVariables === 'warning';
  const lineCounter = new LineCounter();
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const resources: ParsedFile['resources'] = [];
  const at = (offset: number | undefined, path: PathItem[], message: string) => {
    const pos = lineCounter.linePos(offset ?? 0);
    problems.push({ file, line: pos.line, column: pos.col, path: path.join('.'), message });
  };
  const nodeAt = (doc: Document, path: PathItem[], preferKey = false) => locate(doc, path, preferKey)?.range?.[0];

  for (const doc of parseAllDocuments(text, { lineCounter, prettyErrors: false })) {
    if (doc.errors.length) {
      for (const e of doc.errors) at(e.pos[0], [], `YAML syntax: ${e.message.split('\n')[0]}`);
      continue;
    }
    if (doc.contents === null) continue; // empty document, e.g. a trailing ---
    const raw = doc.toJS() as unknown;
    const envProblems: EnvProblem[] = [];
    const rawKind = raw && typeof raw === 'object' ? (raw as { kind?: unknown }).kind : undefined;
    envProblems.push(...misplacedEnvReferences(raw, rawKind));
    const unsetEnv: EnvProblem[] = [];
    const value = (
      envPolicy(rawKind) === 'expand'
        ? expandEnv(raw, [], lenient ? unsetEnv : envProblems, process.env, lenient ? 'keep' : 'empty')
        : raw
    ) as Record<string, unknown>;
    for (const p of envProblems) at(nodeAt(doc, p.path), p.path, p.message);
    for (const p of unsetEnv) {
      const pos = lineCounter.linePos(nodeAt(doc, p.path) ?? 0);
      warnings.push({
        file,
        line: pos.line,
        column: pos.col,
        path: p.path.join('.'),
        message: `environment variable ${p.unset} is not set here; the daemon that loads this file needs it (or write \${${p.unset}:-default} to give a default)`,
      });
    }

    const kind = value && typeof value === 'object' ? value.kind : undefined;
    const schema = typeof kind === 'string' ? (schemaForKind as Record<string, z.ZodType>)[kind] : undefined;
    if (!schema) {
      const message =
        typeof kind === 'string'
          ? `unknown kind "${kind}"${didYouMean(kind, Object.keys(schemaForKind))}; expected one of ${Object.keys(schemaForKind).join(', ')}`
          : `is required (expected one of ${Object.keys(schemaForKind).join(', ')})`;
      at(nodeAt(doc, ['kind']), ['kind'], message);
      continue;
    }
    const result = schema.safeParse(value, { reportInput: true });
    if (!result.success) {
      const envPaths = new Set(envProblems.map((p) => p.path.join('\0')));
      // An unset ${VAR} was reported already; the empty string it left behind is not a second problem.
      reportIssues(doc, schema, value, result.error.issues, (offset, path, message) => {
        if (!envPaths.has(path.join('\0'))) at(offset, path, message);
      });
      continue;
    }
    const resourceName = `${String(kind)} "${String((value.metadata as { name?: unknown } | undefined)?.name)}"`;
    for (const k of inertKeys(schema, value)) {
      const pos = lineCounter.linePos(nodeAt(doc, k.path, true) ?? 0);
      const key = k.path[k.path.length - 1];
      warnings.push({
        file,
        line: pos.line,
        column: pos.col,
        path: k.path.join('.'),
        message: `${resourceName}: "${String(key)}" is ignored: ${k.why}`,
      });
    }
    if (envProblems.length === 0) {
      const pos = lineCounter.linePos(doc.contents.range?.[0] ?? 0);
      const sourced = { resource: result.data as ParsedFile['resources'][number]['resource'], file, line: pos.line };
      locators.set(sourced, (path) => {
        const at = lineCounter.linePos(nodeAt(doc, path, true) ?? doc.contents?.range?.[0] ?? 0);
        return { line: at.line, column: at.col };
      });
      resources.push(sourced);
    }
  }
  return { resources, problems, warnings };
}
