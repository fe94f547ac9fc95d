// What the member H5 may know of a workspace before anyone signs in: its public name.
import { Type } from '@sinclair/typebox';
import { AppError } from './errors.ts';
import type { RouteRegistrar } from './http/routes.ts';

export function workspaceRoutes(r: RouteRegistrar): void {
  r.publicRoute({
    method: 'GET',
    url: '/api/h5/workspace',
    summary: '会员 H5 品牌信息 / Brand shown by the member H5',
    tags: ['h5'],
    query: Type.Object({ ws: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$' }) }, { additionalProperties: false }),
    response: Type.Object({ slug: Type.String(), name: Type.String() }),
    handler: async (ctx, { query }) => {
      const rows = await ctx.db.query<{ slug: string; name: string }>(
        'SELECT slug, name FROM workspaces WHERE slug = $1',
        [query.ws],
      );
      if (!rows[0]) throw new AppError(404, 'workspace.not_found');
      return rows[0];
    },
  });
}
