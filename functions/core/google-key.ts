// Google registries take a service-account key as the password; broken keys are the top
// complaint ("unable to parse json key"), so they are checked when saved, not at pull time.

export const googleKeyUsernames = { json: '_json_key', base64: '_json_key_base64' } as const;

/** Returns why the password is not a usable key for this username, or undefined if it is. */
export function googleKeyProblem(username: string | null, password: string): string | undefined {
  if (username === googleKeyUsernames.json) return serviceAccountKeyProblem(password);
  if (username === googleKeyUsernames.base64) {
    const compact = password.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) {
      return `with username ${username} the password must be the base64 of a Google service-account key JSON`;
    }
    return serviceAccountKeyProblem(Buffer.from(compact, 'base64').toString('utf8'), ' (after base64 decoding)');
  }
  return undefined;
}

// Most passwords are tokens: tell them from JSON without a JSON.parse that throws (slow, and run on
// every password-only update, which checks both key usernames).
const mayBeJson = /^\s*(?:[[{"\d-]|(?:true|false|null)\s*$)/;

function serviceAccountKeyProblem(text: string, suffix = ''): string | undefined {
  if (!mayBeJson.test(text)) return `must be a Google service-account key JSON${suffix}, but it is not valid JSON`;
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    return `must be a Google service-account key JSON${suffix}, but it is not valid JSON`;
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) {
    return `must be a Google service-account key JSON object${suffix}`;
  }
  const fields = key as Record<string, unknown>;
  if (fields['type'] !== 'service_account') {
    return `must be a Google service-account key${suffix}: "type" must be "service_account"`;
  }
  for (const field of ['client_email', 'private_key']) {
    if (typeof fields[field] !== 'string' || fields[field] === '') {
      return `must be a Google service-account key${suffix}: "${field}" is missing`;
    }
  }
  return undefined;
}
