import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { AdminTokenService } from './admin-token.service.js';

/** Lets a request through only with `Authorization: Bearer <admin token>`. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(private readonly tokens: AdminTokenService) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (match?.[1] === undefined) {
      throw new UnauthorizedException('Authorization: Bearer <admin token> is required');
    }
    if (!this.tokens.matches(match[1])) throw new UnauthorizedException('The admin token is wrong');
    return true;
  }
}
