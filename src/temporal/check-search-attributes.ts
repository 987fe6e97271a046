// Workflows set the project's search attributes; in a namespace that lacks one, every workflow task
// would fail and retry for ever. The worker checks first and refuses to start, saying what to register.
import type { NativeConnection } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from './search-attributes.js';

export async function missingSearchAttributes(connection: NativeConnection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return SEARCH_ATTRIBUTES.filter((a) => !customAttributes || !(a.name in customAttributes)).map((a) => a.name);
}

export function registerCommand(namespace: string, names: string[]): string {
  const type = (n: string) => SEARCH_ATTRIBUTES.find((a) => a.name === n)!.type;
  const flags = names.map((n) => `--name ${n} --type ${type(n) === 'INT' ? 'Int' : 'Keyword'}`).join(' ');
  return `temporal operator search-attribute create --namespace ${namespace} ${flags}`;
}
