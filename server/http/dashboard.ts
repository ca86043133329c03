/**
 * The dashboard: GET / and its two assets, all from the package (no external fetches). The
 * script is this package's compiled assets/app.js, read once at start.
 */
import { readFileSync } from 'node:fs';
import { DASHBOARD_HTML } from './assets/page.js';
import { DASHBOARD_CSS } from './assets/style.js';
import type { HttpRoute } from './routes.js';

export function dashboardRoutes(): HttpRoute[] {
  // Without the source map comment: the map is not served.
  const script = readFileSync(new URL('./assets/app.js', import.meta.url), 'utf8').replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
  const asset = (pattern: string, text: string, contentType: string): HttpRoute => ({
    method: 'GET',
    pattern,
    access: 'public',
    handle: () => ({ status: 200, text, contentType }),
  });
  return [
    asset('/', DASHBOARD_HTML, 'text/html; charset=utf-8'),
    asset('/assets/app.css', DASHBOARD_CSS, 'text/css; charset=utf-8'),
    asset('/assets/app.js', script, 'text/javascript; charset=utf-8'),
  ];
}
