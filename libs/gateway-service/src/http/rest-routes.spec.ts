import { REST_OPERATIONS } from '@parley/protocol';
import { buildRestRouter, RestDeps } from './rest-routes';

describe('the REST routes', () => {
  it('are exactly the operations of the OpenAPI document, method and path', () => {
    // Route building touches no dependency; the handlers are not called here.
    const router = buildRestRouter({} as RestDeps);
    expect(router.list().sort()).toEqual(REST_OPERATIONS.map((op) => `${op.method} ${op.path}`).sort());
  });
});
