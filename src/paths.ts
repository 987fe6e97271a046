// Project-relative locations (works from src/ under tsx and from the repository root alike).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_DIR = resolve(PROJECT_ROOT, '.tools');
/** Where `aofctl dev` keeps its state; AOF_STATE_DIR moves it (tests use a folder of their own). */
export const STATE_DIR = resolve(process.env.AOF_STATE_DIR ?? resolve(PROJECT_ROOT, '.aof'));
export const WORKFLOWS_PATH = resolve(PROJECT_ROOT, 'workflows/index.ts');
