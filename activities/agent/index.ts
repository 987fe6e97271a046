// Agent activities: one model turn. The provider is picked from the agent's `provider:model`.
import { ApplicationFailure } from '@temporalio/common';
import { renderTemplate } from '../../src/routing/template.js';
import { BUILTIN_MODELS, type BuiltinInput } from './builtin-models.js';
import type { Agent } from '../../src/config/schema.js';
import type { Metadata } from '../../src/routing/metadata.js';

export interface AgentTurnInput {
  agentName: string;
  spec: Agent['spec'];
  metadata: Metadata;
  args?: string;
}

export function createAgentActivities() {
  return {
    async agentTurn(input: AgentTurnInput): Promise<{ answer: string }> {
      const [provider, model] = [input.spec.model.slice(0, input.spec.model.indexOf(':')), input.spec.model.slice(input.spec.model.indexOf(':') + 1)];
      if (provider !== 'builtin') {
        throw ApplicationFailure.create({
          type: 'UnsupportedModelProvider',
          message: `agent "${input.agentName}": provider "${provider}" is not available in this build; use builtin:<name> (${Object.keys(BUILTIN_MODELS).join(', ')})`,
          nonRetryable: true,
        });
      }
      const run = BUILTIN_MODELS[model];
      if (!run) {
        throw ApplicationFailure.create({
          type: 'UnknownBuiltinModel',
          message: `agent "${input.agentName}": no built-in model "${model}" (have ${Object.keys(BUILTIN_MODELS).join(', ')})`,
          nonRetryable: true,
        });
      }
      const builtin: BuiltinInput = {
        agentName: input.agentName,
        instructions: renderTemplate(input.spec.instructions, input.metadata),
        metadata: input.metadata,
        args: input.args,
      };
      return { answer: run(builtin) };
    },
  };
}

export type AgentActivities = ReturnType<typeof createAgentActivities>;
