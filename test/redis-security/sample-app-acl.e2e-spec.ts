/**
 * The built sample app as a child process (see test/sample-app.e2e-spec.ts for why it is not imported), run as the
 * `sample-cache` ACL user of docs/operations/security.md through REDIS_URL, exactly as that page tells a user to run it.
 */
import request from 'supertest';
import { Redis } from 'ioredis';
import { DEMO_ROUTES } from '../../sample-app/demo-routes.js';
import { aclRulesFromDocs } from '../support/docs-acl.js';
import { RedisServer } from '../support/redis-server.js';
import { assertSampleAppBuilt, SampleAppProcess } from '../support/sample-app-process.js';

const USER = 'sample-cache';
const PASSWORD = 'sample-acl-Pa55-5t2e';
/** The sample's operator routes (DELETE /cache, POST /prices/database/:state) want it. */
const ADMIN_TOKEN = 'acl-e2e-admin-token';

describe('sample app run as the docs’ ACL user (REDIS_URL=redis://sample-cache:<password>@…)', () => {
  let server: RedisServer;
  let admin: Redis;
  let app: SampleAppProcess | undefined;

  beforeAll(async () => {
    assertSampleAppBuilt();
    server = await RedisServer.start(['--user', USER, ...aclRulesFromDocs(USER, PASSWORD)]);
    admin = new Redis(server.port, '127.0.0.1');
    // ADMIN_TOKEN: the operator routes (DELETE /cache clears the namespace) run too, under the same ACL user.
    app = await SampleAppProcess.start({ REDIS_URL: `redis://${USER}:${PASSWORD}@127.0.0.1:${server.port}`, ADMIN_TOKEN });
  });

  afterAll(async () => {
    await app?.kill();
    admin?.disconnect();
    await server?.dispose();
  });

  it('serves every demo route (twice: a miss, then a hit) with no refusal from Redis', async () => {
    const statuses: string[] = [];
    for (const route of DEMO_ROUTES) {
      for (let round = 0; round < 2; round++) {
        const call = request(app!.url)[route.method.toLowerCase() as 'get' | 'put' | 'post' | 'delete'](route.path);
        for (const [name, value] of Object.entries(route.headers ?? {})) call.set(name, value);
        if (route.admin) call.set('X-Admin-Token', ADMIN_TOKEN);
        const response = await (route.body ? call.send(route.body) : call);
        statuses.push(`${route.method} ${route.path} ${response.status}`);
      }
    }
    expect(statuses.filter((line) => / 5\d\d$/.test(line))).toEqual([]);
    expect(statuses.filter((line) => / 40[13]$/.test(line))).toEqual([]); // the operator routes ran, they were not refused
    expect(await admin.call('ACL', 'LOG')).toEqual([]);
    expect(app!.logs).not.toMatch(/NOPERM|no permissions|serving without the cache/);
    expect(await admin.exists('sample-reports:daily')).toBe(1); // the second namespace was written too
  });
});
