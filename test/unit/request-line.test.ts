import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../functions/http/logger.ts';

function written(fn: () => void): string[] {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    fn();
  } finally {
    write.mockRestore();
  }
  return lines;
}

describe("the request line (Powertools' level, written flat)", () => {
  afterEach(() => {
    logger.setLogLevel('INFO');
    vi.unstubAllEnvs();
  });

  it("is one JSON line with Powertools' keys first, then the fields", () => {
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1');
    const lines = written(() => logger.requestLine('request', { requestId: 'r-1', project: 'team-a', statusCode: 201, missing: undefined }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\{.*\}\n$/);
    const line = JSON.parse(lines[0] ?? '');
    expect(Object.keys(line)).toEqual(['level', 'message', 'timestamp', 'service', 'xray_trace_id', 'requestId', 'project', 'statusCode']);
    expect(line).toMatchObject({ level: 'INFO', message: 'request', service: 'regcred', xray_trace_id: '1-67891233-abcdef012345678912345678' });
    expect(Date.parse(line.timestamp)).not.toBeNaN();
  });

  it('follows the logger level: nothing above INFO, as Powertools would print nothing', () => {
    logger.setLogLevel('WARN');
    expect(written(() => logger.requestLine('request', { requestId: 'r-2' }))).toEqual([]);
    logger.setLogLevel('DEBUG');
    expect(written(() => logger.requestLine('request', { requestId: 'r-3' }))).toHaveLength(1);
  });
});
