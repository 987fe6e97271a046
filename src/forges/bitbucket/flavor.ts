// Which of Bitbucket's REST APIs an `api_url` names. Pure: the configuration's checks read it too.

/** Which REST API a client speaks: Cloud's 2.0, or Data Center's (Bitbucket Server's) 1.0. */
export type BitbucketFlavor = 'cloud' | 'data-center';

/** Data Center's REST API (`.../rest/api/1.0`, or `latest`) is named by its URL; anything else is Cloud's. */
export const flavorOf = (apiUrl: string): BitbucketFlavor =>
  /\/rest\/api\/(1\.0|latest)\/*$/.test(apiUrl) ? 'data-center' : 'cloud';
