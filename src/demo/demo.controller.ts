import { Controller, Get, Header, Res } from '@nestjs/common';
import { type FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Public } from '../access/public.decorator.js';

/**
 * The policy of the demo page only: the global one (helmet, `default-src 'none'`) stays in force for every other
 * response. Scripts and styles from this origin's files (no inline code), fetch() to this origin, the favicon as
 * a data: URL, and no base tag, form submission or framing. Trusted Types are required: the page never writes
 * HTML, only text, so any sink use would be a bug or an injection.
 */
export const DEMO_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** Read once at start-up, next to this module: src/demo/public in tests, dist/demo/public (nest-cli assets) when built. */
function asset(name: string): string {
  return readFileSync(new URL(`./public/${name}`, import.meta.url), 'utf8');
}

/** The QR code library's browser build (a plain script defining `qrcode`), from its npm package. */
function qrcodeLibrary(): string {
  return readFileSync(createRequire(import.meta.url).resolve('qrcode-generator'), 'utf8');
}

/** GET /demo: a static page that uses the API as a browser frontend would (see src/demo/public/app.js). */
@Controller('demo')
export class DemoController {
  private readonly html = asset('index.html');
  private readonly script = asset('app.js');
  private readonly styles = asset('app.css');
  private readonly mfaScript = asset('mfa.js');
  private readonly qrcode = qrcodeLibrary();

  @Public()
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(@Res({ passthrough: true }) reply: FastifyReply): string {
    return this.serve(reply, this.html);
  }

  @Public()
  @Get('app.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  app(@Res({ passthrough: true }) reply: FastifyReply): string {
    return this.serve(reply, this.script);
  }

  @Public()
  @Get('app.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  css(@Res({ passthrough: true }) reply: FastifyReply): string {
    return this.serve(reply, this.styles);
  }

  @Public()
  @Get('mfa.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  mfa(@Res({ passthrough: true }) reply: FastifyReply): string {
    return this.serve(reply, this.mfaScript);
  }

  @Public()
  @Get('qrcode.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  qrcodeScript(@Res({ passthrough: true }) reply: FastifyReply): string {
    return this.serve(reply, this.qrcode);
  }

  private serve(reply: FastifyReply, body: string): string {
    // Replaces the header that helmet set in its onRequest hook, for this response only.
    void reply.header('Content-Security-Policy', DEMO_CSP);
    void reply.header('Cache-Control', 'no-store');
    return body;
  }
}
