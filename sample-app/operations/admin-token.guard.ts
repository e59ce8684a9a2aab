import { timingSafeEqual } from 'node:crypto';
import { ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

/**
 * A demo guard for every operator route (the cache operations endpoint, DELETE /cache, POST /prices/database/:state):
 * the `X-Admin-Token` header must equal the ADMIN_TOKEN environment variable. Without ADMIN_TOKEN those routes refuse
 * everyone. A real app would use its own operator authentication.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly token?: Buffer;

  constructor(config: ConfigService) {
    const token = config.get<string>('ADMIN_TOKEN');
    this.token = token ? Buffer.from(token) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.token === undefined) throw new ForbiddenException('operator routes are off: set ADMIN_TOKEN to use them');
    const given = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers['x-admin-token'];
    if (typeof given !== 'string') throw new UnauthorizedException('X-Admin-Token header required');
    const candidate = Buffer.from(given);
    return candidate.length === this.token.length && timingSafeEqual(candidate, this.token);
  }
}
