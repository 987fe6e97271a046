// Code parsing activities: which functions of the head version each changed file's patch touches.
import type { AnalysedFunction, SkippedFile } from '../../src/gate/types.js';
import { extractInPool, type FileToParse } from './extract.js';

export type { FileToParse };

export function createCodeActivities() {
  return {
    async extractChangedFunctions(input: {
      files: FileToParse[];
    }): Promise<{ functions: AnalysedFunction[]; skipped: SkippedFile[] }> {
      return extractInPool(input.files);
    },
  };
}

export type CodeActivities = ReturnType<typeof createCodeActivities>;
