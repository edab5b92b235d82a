// `npm start` interleaves invocations in one process: every log line must still carry the keys of
// its own invocation (request id, project), as the run's server log shows.
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { uniqueProject } from '../support/handlers.ts';
import { checkedFetch } from '../support/openapi-check.ts';

const { apiUrl, serverLog } = inject('localStack');

interface LogLine {
  message?: string;
  requestId?: string;
  function_request_id?: string;
  project?: string;
  route?: string;
}

describe('the local server log under concurrent requests', () => {
  it('gives every request line its own request id and project', async () => {
    const projects = Array.from({ length: 40 }, (_, i) => uniqueProject(`log${i}`));
    const sent = await Promise.all(
      projects.map(async (project, i) => {
        const response = await checkedFetch(`${apiUrl}/projects/${project}/docker-credentials`, {
          ...(i % 2 === 0 && { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ server: 'x.io' }) }),
        });
        await response.arrayBuffer();
        return { project, requestId: response.headers.get('apigw-requestid') ?? '' };
      }),
    );
    expect(new Set(sent.map((s) => s.requestId)).size).toBe(projects.length);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = readFileSync(serverLog, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
    for (const { project, requestId } of sent) {
      // One access line each: 'request', or 'request failed' for a 503 when the full suite loads the box.
      const own = lines.filter((line) => line.route !== undefined && line.requestId === requestId);
      expect(own, requestId).toHaveLength(1);
      expect(own[0]).toMatchObject({ project, function_request_id: requestId });
      const claimed = lines.filter((line) => line.project === project);
      expect(claimed.map((line) => line.requestId)).toEqual([requestId]);
    }
  });
});
