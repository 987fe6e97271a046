// An agent's `output_schema` (AOF's typed answers): the JSON Schema its final answer must match, with AOF's
// control keys beside it. The shapes and the texts the model reads; pure, so workflow code imports it. The
// validator itself (ajv generates code) runs in an activity: src/agents/check-answer.ts.

export const VALIDATION_MODES = ['strict', 'lenient', 'coerce'] as const;
export const ON_VALIDATION_ERROR = ['retry', 'fail', 'passthrough'] as const;

/** `output_schema` as loaded: the JSON Schema without AOF's control keys, and those keys with their defaults. */
export interface OutputSchemaSpec {
  schema: Record<string, unknown>;
  /** strict: objects that list `properties` and say nothing of extra ones allow none; lenient: the schema as written; coerce: lenient, and "42" is read as 42 where a number is wanted. */
  validation_mode: (typeof VALIDATION_MODES)[number];
  on_validation_error: (typeof ON_VALIDATION_ERROR)[number];
  /** Answers asked again after an invalid one (on_validation_error: retry). */
  max_retries: number;
}

/** AOF's keys inside `output_schema` that are not JSON Schema. */
export const CONTROL_KEYS = ['validation_mode', 'on_validation_error', 'max_retries'] as const;

/** Characters of a schema as JSON: it travels in every run's input and in the system prompt. */
export const MAX_SCHEMA_CHARS = 16_000;
/** Characters of a validated answer as JSON: it travels in the run's result (and a flow's history). */
export const MAX_OUTPUT_CHARS = 64_000;
/** What of the validator's report the model and the failure read. */
export const MAX_ERRORS = 10;
export const MAX_ERROR_CHARS = 300;

export type AnswerCheck =
  | { ok: true; output: unknown }
  /** `output`: the answer's JSON when it parsed (kept by passthrough). */
  | { ok: false; errors: string[]; output?: unknown };

/** What the system prompt adds: the schema the final answer must match (configuration, so trusted). */
export function answerFormat(spec: OutputSchemaSpec): string {
  return [
    'Your final answer (the message in which you call no tool) must be one JSON value matching this JSON Schema,',
    'bare or in one ```json block, and nothing else:',
    JSON.stringify(spec.schema),
  ].join('\n');
}

/** The model is told exactly what was wrong with its answer, and asked again. */
export function retryMessage(errors: string[], retry: number, of: number): string {
  return [
    `Your final answer does not match the output schema (attempt ${retry} of ${of} to correct it):`,
    ...errors.map((e) => `- ${e}`),
    'Answer again with one JSON value that matches the schema, bare or in one ```json block, and nothing else.',
  ].join('\n');
}

/** One line of the validator's report: bounded, whoever wrote the names in it. */
export const reportOf = (errors: string[]) => errors.join('; ');
