// Finds secrets in large texts: every form of thousands of secrets in megabytes of logs, in one pass.

/** Text to search: the secret as sent, base64 (as in docker auth), and JSON-escaped. */
export function secretForms(secret: string): string[] {
  const forms = [secret, Buffer.from(secret).toString('base64'), JSON.stringify(secret).slice(1, -1)];
  return [...new Set(forms)].filter((form) => form.length >= minForm);
}

const minForm = 6;

export interface SecretHit {
  readonly secret: string;
  readonly form: 'plain' | 'base64' | 'JSON-escaped';
}

/**
 * Every secret one of whose forms occurs in the text. One pass over the text with a map from each
 * form's first 6 characters to the forms (String#includes once per form and text is ~1 ms per
 * megabyte each, too slow for the thousands of passwords the fuzz tests send).
 */
export function findSecrets(text: string, secrets: Iterable<string>): SecretHit[] {
  const byPrefix = new Map<string, Array<{ secret: string; form: string; kind: SecretHit['form'] }>>();
  for (const secret of secrets) {
    const kinds: Array<[string, SecretHit['form']]> = [
      [secret, 'plain'],
      [Buffer.from(secret).toString('base64'), 'base64'],
      [JSON.stringify(secret).slice(1, -1), 'JSON-escaped'],
    ];
    for (const [form, kind] of kinds) {
      if (form.length < minForm) continue;
      const key = form.slice(0, minForm);
      const list = byPrefix.get(key) ?? [];
      list.push({ secret, form, kind });
      byPrefix.set(key, list);
    }
  }
  const hits = new Map<string, SecretHit>();
  if (byPrefix.size === 0) return [];
  for (let i = 0; i + minForm <= text.length; i++) {
    const candidates = byPrefix.get(text.slice(i, i + minForm));
    if (!candidates) continue;
    for (const { secret, form, kind } of candidates) {
      if (text.startsWith(form, i)) hits.set(`${kind}:${secret}`, { secret, form: kind });
    }
  }
  return [...hits.values()];
}

/** How a hit is reported: never the secret itself, which would put it in the log being audited. */
export function describeHit(hit: SecretHit, where: string): string {
  const hint = `${hit.secret.length} characters, starting ${JSON.stringify(hit.secret.slice(0, 2))}`;
  return `a tracked secret (${hint}) appeared ${hit.form} in the ${where}`;
}

/** The positive control: counts the server's request log lines; throws unless the probe's are there, each with its own request id. */
export function checkRequestLog(log: string, probe: { readonly project: string; readonly requests: number }): number {
  const lines = log.split('\n').flatMap((line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      return entry['message'] === 'request' || entry['message'] === 'request failed' ? [entry] : [];
    } catch {
      return [];
    }
  });
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const probed = lines.filter((entry) => entry['project'] === probe.project && entry['statusCode'] === 200 && uuid.test(String(entry['requestId'])));
  const ids = new Set(probed.map((entry) => entry['requestId']));
  if (probed.length !== probe.requests || ids.size !== probe.requests) {
    throw new Error(
      `secrets audit has no evidence the server logged requests: the ${probe.requests} probe requests to project ${probe.project} ` +
        `left ${probed.length} request log lines with ${ids.size} distinct request ids`,
    );
  }
  return lines.length;
}
