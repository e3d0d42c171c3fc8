import { readFile } from 'node:fs/promises';

/** The dashboard's pages: plain files next to this module, no build step, nothing fetched from elsewhere. */

export interface StaticFile {
  readonly contentType: string;
  readonly body: Buffer;
}

/** URL path → file in ./static/. */
const FILES = {
  '/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', contentType: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', contentType: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', contentType: 'image/svg+xml' },
} as const satisfies Record<string, { file: string; contentType: string }>;

/** Reads every page file once (at listen, not at import). */
export async function loadStaticFiles(): Promise<ReadonlyMap<string, StaticFile>> {
  const dir = new URL('./static/', import.meta.url);
  const entries = await Promise.all(
    Object.entries(FILES).map(async ([path, { file, contentType }]) => [path, { contentType, body: await readFile(new URL(file, dir)) }] as const),
  );
  return new Map(entries);
}
