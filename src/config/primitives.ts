// Small value schemas shared by the resource schemas and the forge records, and the marker for keys that
// AOF users write but that have no effect here (accepted, reported as a warning, dropped from the result).
import { z } from 'zod';

export const name = z
  .string()
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, 'a name of letters, digits, ".", "_" or "-"');

export const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name such as GITHUB_TOKEN');

/** `owner/repo`, `owner/*`, `owner/prefix-*` (GitHub, Bitbucket's `workspace/repo`). */
export const repoGlob = z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'owner/repo, owner/* or owner/prefix-*');

/** A GitLab project path, possibly in subgroups: `group/project`, `group/*`, `group/sub/**`. */
export const projectGlob = z
  .string()
  .regex(/^[^/\s]+(\/[^/\s]+)+$/, 'group/project, group/*, group/subgroup/project or group/**');

export const modelName = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]*:.+$/,
    'provider:model, such as anthropic:claude-sonnet-4-5, google:gemini-2.5-flash, openai:gpt-4o or builtin:code-reviewer',
  );

const INERT = new WeakMap<z.ZodType, string>();

/**
 * A key AOF documents that does nothing in this project: it loads, `inertKeys` reports it (validation
 * prints a warning naming file, resource and key), and the parsed resource does not carry it.
 */
export function inert(why: string) {
  const s = z
    .unknown()
    .transform(() => undefined)
    .optional()
    .describe(`Has no effect here: ${why}`);
  INERT.set(s, why);
  return s;
}

type PathItem = string | number;
type AnySchema = { _zod: { def: any } };

/** The schema itself, through wrappers (optional, default, ...); a transform's input side for a pipe. */
export function unwrapSchema(s: AnySchema | undefined, stopAtInert = false): AnySchema | undefined {
  for (;;) {
    if (!s?._zod?.def) return s;
    if (stopAtInert && INERT.has(s as z.ZodType)) return s;
    const def = s._zod.def;
    if (['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch'].includes(def.type)) s = def.innerType;
    else if (def.type === 'pipe') s = def.in?._zod?.def?.type === 'transform' ? def.out : def.in;
    else return s;
  }
}

/** The option of a union that `value` selects: by its discriminator, else the first that accepts it. */
export function unionOption(s: AnySchema, value: unknown): AnySchema | undefined {
  const def = s._zod.def;
  const options: AnySchema[] = def.options ?? [];
  if (def.discriminator && value && typeof value === 'object') {
    const v = (value as Record<string, unknown>)[def.discriminator];
    return options.find((o) => {
      const field = unwrapSchema(unwrapSchema(o)?._zod.def.shape?.[def.discriminator]);
      return (field?._zod.def.values as unknown[] | undefined)?.includes(v);
    });
  }
  return options.find((o) => (o as unknown as z.ZodType).safeParse(value).success);
}

/** The schema at `path` of a value, descending objects, arrays, records and (by the value) unions. */
export function schemaAt(schema: AnySchema, path: PathItem[], value: unknown): AnySchema | undefined {
  let s = unwrapSchema(schema);
  let v = value;
  for (const seg of [...path, undefined]) {
    while (s?._zod.def.type === 'union') s = unwrapSchema(unionOption(s, v));
    if (seg === undefined) return s;
    const def = s?._zod.def;
    if (!def) return undefined;
    if (def.type === 'object') s = def.shape[seg as string];
    else if (def.type === 'array') s = def.element;
    else if (def.type === 'record') s = def.valueType;
    else return undefined;
    s = unwrapSchema(s);
    v = v && typeof v === 'object' ? (v as Record<PathItem, unknown>)[seg] : undefined;
  }
  return s;
}

/** Every key of `value` that `schema` marks inert, with its path and why it does nothing. */
export function inertKeys(
  schema: AnySchema,
  value: unknown,
  path: PathItem[] = [],
): { path: PathItem[]; why: string }[] {
  const s = unwrapSchema(schema, true);
  if (!s) return [];
  const why = INERT.get(s as z.ZodType);
  if (why !== undefined) return value === undefined ? [] : [{ path, why }];
  const def = s._zod.def;
  if (def.type === 'union') {
    const o = unionOption(s, value);
    return o ? inertKeys(o, value, path) : [];
  }
  if (def.type === 'object' && value && typeof value === 'object' && !Array.isArray(value))
    return Object.entries(value).flatMap(([k, v]) => (def.shape[k] ? inertKeys(def.shape[k], v, [...path, k]) : []));
  if (def.type === 'array' && Array.isArray(value))
    return value.flatMap((v, i) => inertKeys(def.element, v, [...path, i]));
  if (def.type === 'record' && value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => inertKeys(def.valueType, v, [...path, k]));
  return [];
}
