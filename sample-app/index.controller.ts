import { Controller, Get, Headers } from '@nestjs/common';
import { DEMO_ROUTES, type DemoRoute } from './demo-routes.js';

/** GET /: the demo routes, each with a curl command to paste (-i shows the X-Cache header). */
@Controller()
export class IndexController {
  @Get()
  index(@Headers('host') host = 'localhost:3000'): { routes: Array<DemoRoute & { curl: string }> } {
    return { routes: DEMO_ROUTES.map((route) => ({ ...route, curl: curlOf(route, `http://${host}`) })) };
  }
}

function curlOf(route: DemoRoute, base: string): string {
  const parts = ['curl -i'];
  if (route.method !== 'GET') parts.push(`-X ${route.method}`);
  for (const [name, value] of Object.entries(route.headers ?? {})) parts.push(`-H '${name}: ${value}'`);
  if (route.admin) parts.push('-H "X-Admin-Token: $ADMIN_TOKEN"'); // double quotes: the shell puts in the token
  if (route.body) parts.push(`-H 'Content-Type: application/json' -d '${JSON.stringify(route.body)}'`);
  parts.push(`'${base}${route.path}'`);
  return parts.join(' ');
}
