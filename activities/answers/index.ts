// Checks an agent's final answer against its output_schema: an activity because ajv compiles schemas to
// generated code, which the workflow sandbox must not run, and so each outcome is recorded in the run's
// history (a replay reads it back rather than validating again).
import { checkAnswer } from '../../src/agents/check-answer.js';
import type { AnswerCheck, OutputSchemaSpec } from '../../src/agents/output-schema.js';

export function createAnswerActivities() {
  return {
    async checkAnswer(input: { spec: OutputSchemaSpec; answer: string }): Promise<AnswerCheck> {
      return checkAnswer(input.spec, input.answer);
    },
  };
}

export type AnswerActivities = ReturnType<typeof createAnswerActivities>;
