// Agent memory activities: an agent with `memory` sees its earlier exchanges on the same issue or pull
// request, and its final answer is kept for the next run. Results are bounded by the store's limits.
import { parseMemorySpec } from '../../src/agents/memory-spec.js';
import { recall, remember, type Exchange } from './conversation-file.js';

export type { Exchange };

export interface MemoryKey {
  /** The agent's `memory` value, as written. */
  memory: string;
  key: string;
}

function specOf(input: MemoryKey, baseDir: string) {
  const spec = parseMemorySpec(input.memory, baseDir);
  // Validation rejects these at load; reaching here means the config changed under a running workflow.
  if (typeof spec === 'string') throw new Error(spec);
  return spec;
}

/** `baseDir`: the daemon config's folder, where relative memory paths start. */
export function createMemoryActivities(baseDir: string) {
  return {
    async recallConversation(input: MemoryKey): Promise<Exchange[]> {
      return recall(specOf(input, baseDir), input.key);
    },
    async rememberExchange(input: MemoryKey & { exchange: Exchange }): Promise<void> {
      await remember(specOf(input, baseDir), input.key, input.exchange);
    },
  };
}

export type MemoryActivities = ReturnType<typeof createMemoryActivities>;
