import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import passport from 'passport';
import { ForbiddenError, UnauthorizedError } from '@govmatrix/common';
import { AuthContext } from './auth-context';
import { PERMISSION_KEY, PUBLIC_KEY } from './decorators';
import { JwtStrategy } from './jwt.strategy';
import { Permission } from './permissions';

/**
 * The global guard, default-deny: a route is reachable only when it is @Public or declares a
 * permission that the authenticated caller holds. A route that declares nothing is refused.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const http = context.switchToHttp();
    const request = http.getRequest<Request & { user?: AuthContext }>();
    const auth = await this.authenticate(request, http.getResponse<Response>());
    request.user = auth;
    const required = this.reflector.get<Permission | undefined>(PERMISSION_KEY, context.getHandler());
    if (!required) throw new ForbiddenError('This route declares no permission and is closed');
    if (!auth.permissions.has(required)) throw new ForbiddenError(`Requires the ${required} permission`);
    return true;
  }

  /**
   * Runs this application's own strategy. Passport's registry by name is process-wide, so
   * AuthGuard('jwt') used whichever app registered last (a second app in the same process —
   * tests boot several — verified sessions against the other's database). Object.create: passport
   * writes its per-request callbacks onto the object it is given.
   */
  private authenticate(request: Request, response: Response): Promise<AuthContext> {
    return new Promise((resolve, reject) => {
      const perRequest = Object.create(this.strategy) as JwtStrategy;
      passport.authenticate(perRequest, { session: false }, (error: unknown, user: AuthContext | false) => {
        try {
          resolve(this.handleRequest(error, user));
        } catch (refused) {
          reject(refused);
        }
      })(request, response, (error: unknown) => reject(error ?? new UnauthorizedError()));
    });
  }

  private handleRequest(error: unknown, user: AuthContext | false): AuthContext {
    // Token faults reach here as `user === false`; an error is the session lookup failing (the database
    // down, the pool exhausted: errors without a `code` too), which is a 503, not the caller's fault.
    if (error instanceof Error && !(error instanceof UnauthorizedError)) throw error;
    if (error || !user) throw error instanceof UnauthorizedError ? error : new UnauthorizedError('A valid bearer token is required');
    return user;
  }
}
