// Stack frames in source terms, for the failure log. The bundle's source map is read only when a
// failure is logged: `--enable-source-maps` would parse it on every cold start (bench/RESULTS.md).
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

const maps = new Map<string, SourceMap | undefined>();
const location = /((?:file:\/\/|\/)[^\s()]+\.[cm]?js):(\d+):(\d+)/;

function mapOf(url: string): SourceMap | undefined {
  if (!maps.has(url)) {
    const file = `${url.startsWith('file:') ? fileURLToPath(url) : url}.map`;
    maps.set(url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8')) as never) : undefined);
  }
  return maps.get(url);
}

/** One stack line with its bundle position replaced by the source file, line and column, when the bundle has a map. */
function readableFrame(frame: string): string {
  const found = location.exec(frame);
  if (!found) return frame;
  const [whole, url, line, column] = found as unknown as [string, string, string, string];
  const origin = mapOf(url)?.findOrigin(Number(line), Number(column));
  if (!origin || !('fileName' in origin)) return frame;
  // The map names sources relative to where the bundle was built: node_modules/... or functions/...
  const source = origin.fileName.replace(/^(\.\.\/)+/, '');
  return frame.replace(whole, `${source}:${origin.lineNumber}:${origin.columnNumber}`);
}

/** The first `count` frames of an error's stack, trimmed and mapped to the sources. */
export function readableFrames(error: Error, count: number): string[] {
  return (error.stack ?? '').split('\n').slice(1, 1 + count).map((line) => readableFrame(line.trim()));
}
