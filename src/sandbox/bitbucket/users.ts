// `GET /user`: the account the credentials act as.
import type { Route } from './http.js';
import { allowQuery } from './http.js';
import type { BitbucketUser } from './state.js';

export const userView = (u: BitbucketUser) => ({
  type: u.type,
  uuid: u.uuid,
  nickname: u.nickname,
  display_name: u.displayName,
  account_id: u.accountId,
});

export const userRoutes: Route[] = [
  {
    method: 'GET',
    pattern: 'user',
    handler: (ctx) => {
      allowQuery(ctx, ['fields']);
      return { body: userView(ctx.user) };
    },
  },
];
