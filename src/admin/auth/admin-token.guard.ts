import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { AdminTokenService } from './admin-token.service.js';
import { clientAddressKey } from './client-address.js';

/**
 * Lets a request through only with `Authorization: Bearer <admin token>`. A client address that
 * sent too many different wrong tokens gets 429 with `Retry-After` (seconds) until they age out.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(private readonly tokens: AdminTokenService) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (match?.[1] === undefined) {
      throw new UnauthorizedException('Authorization: Bearer <admin token> is required');
    }
    // The socket's address, not X-Forwarded-For, which any client can write.
    const verdict = this.tokens.verify(match[1], clientAddressKey(request.socket.remoteAddress));
    switch (verdict.outcome) {
      case 'accepted':
        return true;
      case 'wrong':
        throw new UnauthorizedException('The admin token is wrong');
      case 'locked-out': {
        const seconds = Math.ceil(verdict.retryAfterMs / 1000);
        http.getResponse<Response>().setHeader('Retry-After', String(seconds));
        // The API's error form; Nest has no built-in exception for 429 that writes `error`.
        throw new HttpException(
          {
            statusCode: HttpStatus.TOO_MANY_REQUESTS,
            error: 'Too Many Requests',
            message: `Too many wrong admin tokens from this address; try again in ${seconds} s`,
          },
          HttpStatus.TOO_MANY_REQUESTS,
        );
      }
    }
  }
}
