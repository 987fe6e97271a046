// Repository files: `GET /projects/:id/repository/files/:file_path/raw?ref=` (the text itself) and
// `GET /projects/:id/repository/files/:file_path?ref=` (metadata and base64 content). The path is one
// URL-encoded segment (`src%2Fapp.ts`); a slash left unencoded does not reach this route, as on GitLab.
import { createHash } from 'node:crypto';
import { checkParams, notFound, type RequestContext, type Route } from './http.js';
import { findProject, requireAccess } from './projects.js';
import { ACCESS, type GitLabProject } from './state.js';

function read(ctx: RequestContext, project: GitLabProject, path: string, ref: string): string {
  requireAccess(ctx, project, ACCESS.guest);
  const content = project.files.get(`${ref}:${path}`);
  if (content === undefined) throw notFound('File');
  return content;
}

const blobId = (content: string) =>
  createHash('sha1')
    .update(`blob ${Buffer.byteLength(content)}\0${content}`)
    .digest('hex');

export const fileRoutes: Route[] = [
  {
    method: 'GET',
    pattern: 'projects/:id/repository/files/:file_path/raw',
    handler: (ctx, [id, path]) => {
      const p = checkParams(ctx, { ref: { type: 'string', notBlank: true }, lfs: { type: 'boolean' } });
      const project = findProject(ctx, id!);
      const ref: string = p.ref ?? project.defaultBranch;
      const content = read(ctx, project, path!, ref);
      return {
        body: content,
        type: 'text/plain; charset=utf-8',
        headers: {
          'x-gitlab-file-name': path!.split('/').at(-1)!,
          'x-gitlab-file-path': path!,
          'x-gitlab-ref': ref,
          'x-gitlab-size': String(Buffer.byteLength(content)),
          'x-gitlab-blob-id': blobId(content),
          'x-gitlab-encoding': 'base64',
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: 'projects/:id/repository/files/:file_path',
    handler: (ctx, [id, path]) => {
      const p = checkParams(ctx, { ref: { type: 'string', required: true, notBlank: true } });
      const project = findProject(ctx, id!);
      const content = read(ctx, project, path!, p.ref);
      return {
        body: {
          file_name: path!.split('/').at(-1),
          file_path: path,
          size: Buffer.byteLength(content),
          encoding: 'base64',
          content: Buffer.from(content).toString('base64'),
          content_sha256: createHash('sha256').update(content).digest('hex'),
          ref: p.ref,
          blob_id: blobId(content),
        },
      };
    },
  },
];
