// `{{ metadata.name }}` templates in agent instructions. Unknown names are caught at validation time.

const pattern = /\{\{\s*metadata\.([A-Za-z0-9_]+)\s*\}\}/g;

export function templateVariables(text: string): string[] {
  return [...text.matchAll(pattern)].map((m) => m[1]!);
}

export function renderTemplate(text: string, metadata: Record<string, unknown>): string {
  return text.replace(pattern, (_, name: string) => {
    const v = metadata[name];
    return v === undefined || v === null ? '' : String(v);
  });
}
