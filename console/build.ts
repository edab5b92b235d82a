// Builds the console: app.js (one ES module; the deployed-only sign-in is a chunk of its own),
// style.css and index.html. Used by `npm start` (in memory), the CDK stack (to a directory) and
// the size test.
import { buildSync, type OutputFile } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Site-relative path (`index.html`, `console/app.js`...) -> content. */
export function buildConsole(): Map<string, Uint8Array> {
  const result = buildSync({
    entryPoints: { app: join(here, 'app.ts') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    outdir: join(here, 'out'),
    chunkNames: 'chunk-[hash]',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const files = new Map<string, Uint8Array>(result.outputFiles.map((f: OutputFile) => [`console/${f.path.slice(join(here, 'out').length + 1)}`, f.contents]));
  files.set('console/style.css', readFileSync(join(here, 'style.css')));
  files.set('index.html', readFileSync(join(here, 'index.html')));
  return files;
}
