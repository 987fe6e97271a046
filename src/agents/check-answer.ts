// Checks an agent's final answer against its output_schema with ajv (draft 2020-12, or draft-07 when the
// schema's `$schema` says so). ajv compiles a schema to generated code, which Temporal's workflow sandbox
// must not run: the config loader calls this to check a schema compiles, and the answers activity
// (activities/answers) to check each answer, so the outcome is recorded in the run's history.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  MAX_ERROR_CHARS,
  MAX_ERRORS,
  MAX_OUTPUT_CHARS,
  type AnswerCheck,
  type OutputSchemaSpec,
} from './output-schema.js';

const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;
const DRAFT_2020 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;

/** The validators compiled in this process, by schema and mode (bounded: the oldest goes first). */
const compiled = new Map<string, ValidateFunction>();
const MAX_COMPILED = 200;

/**
 * strict mode: each object schema that lists `properties` and says nothing of other properties allows
 * none. Not the branches of an `allOf`, whose properties another branch may list.
 */
export function closeObjects(schema: unknown, inAllOf = false): unknown {
  if (Array.isArray(schema)) return schema.map((s) => closeObjects(s, inAllOf));
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'enum' || k === 'const' || k === 'examples' || k === 'default') out[k] = v;
    else if (k === 'properties' || k === '$defs' || k === 'definitions' || k === 'patternProperties')
      out[k] =
        v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, closeObjects(sub)]))
          : v;
    else out[k] = closeObjects(v, k === 'allOf');
  }
  const open = ['additionalProperties', 'unevaluatedProperties', 'patternProperties'].some((k) => k in s);
  if (!inAllOf && s.properties && typeof s.properties === 'object' && !open) out.additionalProperties = false;
  return out;
}

function build(spec: Pick<OutputSchemaSpec, 'schema' | 'validation_mode'>): ValidateFunction {
  const $schema = spec.schema.$schema;
  if ($schema !== undefined && (typeof $schema !== 'string' || !(DRAFT_07.test($schema) || DRAFT_2020.test($schema))))
    throw new Error(
      `$schema ${JSON.stringify($schema)} is not one this validator reads (draft 2020-12 or draft-07; without $schema, 2020-12)`,
    );
  const options = {
    allErrors: true,
    // Keywords ajv does not know (a `format` without its plugin, `x-` annotations) are annotations here.
    strict: false,
    logger: false as const,
    coerceTypes: spec.validation_mode === 'coerce',
  };
  const ajv = typeof $schema === 'string' && DRAFT_07.test($schema) ? new Ajv(options) : new Ajv2020(options);
  const schema = spec.validation_mode === 'strict' ? closeObjects(spec.schema) : spec.schema;
  return ajv.compile(schema as object);
}

/** The validator of `spec`; throws with ajv's reason when the schema is not a valid JSON Schema. */
export function validatorOf(spec: Pick<OutputSchemaSpec, 'schema' | 'validation_mode'>): ValidateFunction {
  const key = `${spec.validation_mode}:${JSON.stringify(spec.schema)}`;
  let v = compiled.get(key);
  if (!v) {
    v = build(spec);
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, v);
  }
  return v;
}

/** Why `spec`'s schema cannot be used, or undefined when it compiles. */
export function schemaProblem(spec: Pick<OutputSchemaSpec, 'schema' | 'validation_mode'>): string | undefined {
  try {
    validatorOf(spec);
    return undefined;
  } catch (e) {
    return `not a JSON Schema this validator can use: ${(e as Error).message}`;
  }
}

const FENCED = /```[ \t]*(?:json)?[ \t]*\r?\n([\s\S]*?)\r?\n?```/gi;

/** The answer's JSON: the whole text, or the one ```json block in it. */
export function parseAnswer(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const tryParse = (t: string) => {
    try {
      return { ok: true as const, value: JSON.parse(t) as unknown };
    } catch (e) {
      return { ok: false as const, error: (e as Error).message };
    }
  };
  const whole = tryParse(text.trim());
  if (whole.ok) return whole;
  const blocks = [...text.matchAll(FENCED)];
  if (blocks.length === 1) {
    const inner = tryParse(blocks[0]![1]!.trim());
    return inner.ok ? inner : { ok: false, error: `the \`\`\`json block is not JSON: ${inner.error}` };
  }
  return {
    ok: false,
    error:
      blocks.length > 1
        ? `the answer has ${blocks.length} fenced blocks; give one JSON value, bare or in one \`\`\`json block`
        : 'the answer is not JSON; give one JSON value, bare or in one ```json block',
  };
}

const cut = (s: string) => (s.length > MAX_ERROR_CHARS ? `${s.slice(0, MAX_ERROR_CHARS)}… (cut)` : s);

/** ajv's error as a line: where in the answer, and what is wrong there. */
function describe(e: ErrorObject): string {
  const at = e.instancePath || '(the answer)';
  const p = e.params as Record<string, unknown>;
  const detail =
    p.additionalProperty !== undefined
      ? ` (${JSON.stringify(p.additionalProperty)})`
      : p.allowedValues !== undefined
        ? ` (${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`
        : '';
  return cut(`${at}: ${e.message ?? e.keyword}${detail}`);
}

/** The validator's report, at most MAX_ERRORS lines, with a note when some were left out. */
export function errorLines(errors: ErrorObject[]): string[] {
  const lines = errors.slice(0, MAX_ERRORS).map(describe);
  if (errors.length > MAX_ERRORS) lines.push(`… and ${errors.length - MAX_ERRORS} more`);
  return lines;
}

/** Parses and validates an answer; in coerce mode the output is the coerced value. */
export function checkAnswer(spec: OutputSchemaSpec, answer: string): AnswerCheck {
  const parsed = parseAnswer(answer);
  if (!parsed.ok) return { ok: false, errors: [cut(parsed.error)] };
  const size = JSON.stringify(parsed.value).length;
  if (size > MAX_OUTPUT_CHARS)
    return { ok: false, errors: [`the answer is ${size} characters of JSON, more than ${MAX_OUTPUT_CHARS}`] };
  const validate = validatorOf(spec);
  // ajv coerces in place: the value is this call's own copy.
  const value = parsed.value;
  if (validate(value)) return { ok: true, output: value };
  return { ok: false, errors: errorLines(validate.errors ?? []), output: value };
}
