// Project-relative locations (works from src/ under tsx and from the repository root alike).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_DIR = resolve(PROJECT_ROOT, '.tools');
export const STATE_DIR = resolve(PROJECT_ROOT, '.aof');
export const WORKFLOWS_PATH = resolve(PROJECT_ROOT, 'workflows/index.ts');
