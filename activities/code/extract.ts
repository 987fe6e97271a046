// Which functions of the head version each changed file's patch touches. Pure: used by the code activity
// and by the pull request analysis, which does all of it next to the data.
import { createHash } from 'node:crypto';
import { changedLines } from '../../src/code/diff.js';
import { findFunctions, mapChangedFunctions } from '../../src/code/functions.js';
import { languageOf } from '../../src/code/languages.js';
import type { AnalysedFunction, SkippedFile } from '../../src/gate/types.js';

export interface FileToParse {
  path: string;
  patch: string;
  /** Head version; null when it could not be fetched (too large, binary, gone). */
  content: string | null;
}

export function extractChanged(files: FileToParse[]): { functions: AnalysedFunction[]; skipped: SkippedFile[] } {
  const functions: AnalysedFunction[] = [];
  const skipped: SkippedFile[] = [];
  for (const file of files) {
    const lang = languageOf(file.path);
    if (!lang) {
      skipped.push({ path: file.path, reason: 'language not supported' });
      continue;
    }
    if (file.content === null) {
      skipped.push({ path: file.path, reason: 'content unavailable (too large or binary)' });
      continue;
    }
    const changed = mapChangedFunctions(findFunctions(file.content, lang), changedLines(file.patch).lines);
    if (changed.length === 0) skipped.push({ path: file.path, reason: 'no function changed' });
    for (const fn of changed) {
      const hash = createHash('sha256').update(`${lang.name}\0${fn.code}`).digest('hex').slice(0, 32);
      functions.push({
        path: file.path,
        name: fn.name,
        language: lang.name,
        startLine: fn.startLine,
        endLine: fn.endLine,
        code: fn.code,
        changedLines: fn.changedLines,
        hash,
      });
    }
  }
  return { functions, skipped };
}
