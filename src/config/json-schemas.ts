// JSON Schema for each resource kind, generated from the zod schemas.
import { z } from 'zod';
import {
  AgentResource,
  DaemonConfigResource,
  FleetResource,
  FlowResource,
  GateResource,
  TriggerResource,
} from './schema.js';

export function jsonSchemas(): Record<string, unknown> {
  const kinds = {
    DaemonConfig: DaemonConfigResource,
    Trigger: TriggerResource,
    Agent: AgentResource,
    AgentFleet: FleetResource,
    AgentFlow: FlowResource,
    GateCheck: GateResource,
  };
  return Object.fromEntries(
    Object.entries(kinds).map(([kind, schema]) => [
      kind,
      {
        $id: `https://aof.dev/schemas/${kind}.json`,
        title: `aof.dev/v1 ${kind}`,
        ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }),
      },
    ]),
  );
}
