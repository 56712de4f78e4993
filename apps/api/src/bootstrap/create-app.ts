import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger, RawBodyRequest } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { json, NextFunction, Request, Response, static as serveStatic, text, urlencoded } from 'express';
import { Logger as PinoLogger } from 'nestjs-pino';
import {
  answerParserRefusalsAsProblems,
  AppConfig,
  assertJsonDepth,
  assignRequestId,
  createValidationPipe,
  refuseNulCharacters,
  writeProblem,
} from '@govmatrix/common';
import { AppModule } from '../app.module';

export interface CreateAppOptions {
  config: AppConfig;
  appDatabaseUrl: string;
  /** Build the route table without connecting anything (OpenAPI generation). */
  preview?: boolean;
}

/** The HTTP application with every cross-cutting concern wired; main.ts and the tests share it. */
export async function createApp({ config, appDatabaseUrl, preview = false }: CreateAppOptions): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ config, appDatabaseUrl }), {
    bodyParser: false,
    bufferLogs: true,
    preview,
    abortOnError: false,
  });
  if (!preview) app.useLogger(app.get(PinoLogger));

  if (!preview) answerParserRefusalsAsProblems(app.getHttpServer());
  const express = app.getHttpAdapter().getInstance();
  express.disable('x-powered-by');
  express.set('query parser', 'simple');
  app.use((req: Request, res: Response, next: NextFunction) => {
    assignRequestId(req, res);
    next();
  });
  // Our own parsers, so that their failures (bad JSON, oversize or over-deep bodies) answer as problem details.
  // The bytes read are kept as req.rawBody (a reference, no copy): idempotent report batches fingerprint them
  // instead of serialising a large parsed body again.
  app.use(
    json({
      limit: config.bodyLimitBytes,
      type: ['application/json', 'application/*+json'],
      verify: (req: RawBodyRequest<Request>, _res, buf) => {
        // Thrown here, an AppError keeps its status through body-parser to the problem writer.
        assertJsonDepth(buf);
        req.rawBody = buf;
      },
    }),
  );
  app.use(urlencoded({ limit: '64kb', extended: false }));
  app.use(text({ limit: config.bodyLimitBytes, type: ['text/csv', 'text/plain'] }));
  app.use(refuseNulCharacters);
  const parserLogger = new Logger('BodyParser');
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => writeProblem(error, req, res, parserLogger));

  serveConsole(app);

  app.useGlobalPipes(createValidationPipe());
  // No enableShutdownHooks: main.ts owns SIGINT/SIGTERM (close the app, then the embedded server). Nest's
  // own listeners closed the app a second time beside it ("Called end on pool more than once").

  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  return app;
}

/**
 * The web console: static files (HTML, ES modules, CSS) and ECharts from its npm package, served by
 * express ahead of Nest's router, so neither the access guard nor the route table sees them. The
 * pages hold no data: every figure comes from the API with the user's token.
 */
function serveConsole(app: NestExpressApplication): void {
  const root = consoleRoot();
  if (!root) {
    new Logger('Console').warn('console files not found: /console is not served');
    return;
  }
  const echarts = require.resolve('echarts/dist/echarts.min.js');
  app.use('/console', (req: Request, res: Response, next: NextFunction) => {
    // Relative module URLs need the trailing slash.
    if (req.originalUrl === '/console') return res.redirect(301, '/console/');
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  app.use('/console/vendor/echarts.min.js', (req: Request, res: Response, next: NextFunction) =>
    req.path === '/' ? res.sendFile(echarts, { maxAge: '1d' }) : next(),
  );
  app.use('/console', serveStatic(root, { index: 'index.html', maxAge: 0, fallthrough: true }));
}

/** apps/api/console beside the sources, or its copy beside the build (nest-cli assets). */
function consoleRoot(): string | undefined {
  return [resolve(__dirname, '../../console'), join(process.cwd(), 'apps/api/console')].find((dir) => existsSync(join(dir, 'index.html')));
}

/** The OpenAPI document, with stable operation ids and sorted keys so that the committed copy only changes when the API does. */
export function buildOpenApiDocument(app: NestExpressApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('GovMatrix API')
    .setDescription('Ledger, filings, inspection and scoring for the government new-media account matrix (政务新媒体矩阵).')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) => `${lowerFirst(controllerKey.replace(/Controller$/, ''))}${upperFirst(methodKey)}`,
  });
  return sortKeys(document) as OpenAPIObject;
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
