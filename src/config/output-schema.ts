// `output_schema` as AOF documents it: a JSON Schema with AOF's control keys (validation_mode,
// on_validation_error, max_retries) inside it. Loaded into the schema without those keys and the keys with
// their defaults; a schema that does not compile, or is too large to travel with every run, is an error
// at its key.
import { z } from 'zod';
import { schemaProblem } from '../agents/check-answer.js';
import {
  MAX_SCHEMA_CHARS,
  ON_VALIDATION_ERROR,
  VALIDATION_MODES,
  type OutputSchemaSpec,
} from '../agents/output-schema.js';

export const outputSchema = z
  .looseObject({
    validation_mode: z.enum(VALIDATION_MODES).default('strict'),
    on_validation_error: z.enum(ON_VALIDATION_ERROR).default('retry'),
    max_retries: z.number().int().min(0).max(10).default(2),
  })
  .transform(({ validation_mode, on_validation_error, max_retries, ...schema }, ctx): OutputSchemaSpec => {
    const size = JSON.stringify(schema).length;
    if (size > MAX_SCHEMA_CHARS)
      ctx.addIssue({
        code: 'custom',
        message: `the schema is ${size} characters as JSON, more than ${MAX_SCHEMA_CHARS}: it travels with every run`,
      });
    else {
      const problem = schemaProblem({ schema, validation_mode });
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
    return { schema, validation_mode, on_validation_error, max_retries };
  });
