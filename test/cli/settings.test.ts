// The CLI's pure parts: setting precedence and validation, the config file path, the table.
import { describe, expect, it } from 'vitest';
import { configPath, resolveSettings, UsageError } from '../../cli/config.ts';
import { credentialTable } from '../../cli/table.ts';

describe('resolveSettings', () => {
  const file = { project: 'from-file', endpoint: 'https://file.example:1', region: 'eu-north-1' };

  it('takes the flag, then the environment, then the file; no source, no endpoint (never a guessed default)', () => {
    const env = { REGCRED_PROJECT: 'from-env', REGCRED_ENDPOINT: 'https://env.example:2/', AWS_REGION: 'us-west-2' };
    expect(resolveSettings({ project: 'from-flag' }, env, file)).toEqual({
      project: 'from-flag',
      endpoint: 'https://env.example:2',
      region: 'us-west-2',
      helperWrites: 'add',
    });
    expect(resolveSettings({}, {}, file)).toEqual({ ...file, helperWrites: 'add' });
    expect(resolveSettings({}, {}, {})).toEqual({ project: undefined, endpoint: undefined, region: undefined, helperWrites: 'add' });
  });

  it('prefers REGCRED_REGION to AWS_REGION', () => {
    expect(resolveSettings({}, { REGCRED_REGION: 'eu-west-3', AWS_REGION: 'us-west-2' }, {}).region).toBe('eu-west-3');
  });

  it.each([
    [{ project: '' }, {}, '--project is empty'],
    [{}, { REGCRED_PROJECT: '' }, 'REGCRED_PROJECT is set but empty'],
    [{ endpoint: '' }, {}, '--endpoint is empty'],
    [{}, { REGCRED_ENDPOINT: '' }, 'REGCRED_ENDPOINT is set but empty'],
    [{ region: '' }, {}, '--region is empty'],
    [{}, { REGCRED_REGION: '' }, 'REGCRED_REGION is set but empty'],
    [{ project: '' }, { REGCRED_PROJECT: 'from-env' }, '--project is empty'],
  ])('refuses an empty value given explicitly (flags %j, env %j) as a usage error, never falling back to the file', (flags, env, words) => {
    expect(() => resolveSettings(flags, env, file)).toThrow(UsageError);
    expect(() => resolveSettings(flags, env, file)).toThrow(words);
  });

  it('refuses an empty value in the config file; an empty AWS_REGION (AWS’s own variable) counts as unset', () => {
    expect(() => resolveSettings({}, {}, { project: '' })).toThrow(/project in .* is empty/);
    expect(resolveSettings({}, { AWS_REGION: '' }, file).region).toBe('eu-north-1');
  });

  it.each([
    [{ project: 'Bad_Name' }, 'DNS label'],
    [{ endpoint: 'ftp://x.example' }, 'not ftp:'],
    [{ endpoint: 'http://user:pass@x.example' }, 'user info'],
    [{ endpoint: 'nope' }, 'not a URL'],
    [{ endpoint: 'http://vault.example.com' }, 'plain http://'],
    [{ endpoint: 'http://192.168.1.10:3000' }, 'plain http://'],
    [{ region: 'Europe' }, 'region'],
  ])('rejects %j as a usage error', (flags, words) => {
    expect(() => resolveSettings(flags, {}, {})).toThrow(UsageError);
    expect(() => resolveSettings(flags, {}, {})).toThrow(words);
  });
});

describe('configPath', () => {
  it('uses $XDG_CONFIG_HOME, else ~/.config', () => {
    expect(configPath({ XDG_CONFIG_HOME: '/x' })).toBe('/x/regcred/config.json');
    expect(configPath({})).toMatch(/\/\.config\/regcred\/config\.json$/);
  });
});

describe('credentialTable', () => {
  it('aligns the seed’s columns and STATUS three spaces apart, with empty cells for missing username and email, - when never checked', () => {
    const item = (id: string, server: string, username: string | null, email: string | null, status: 'valid' | null) => ({
      id, server, registry: server, username, email, createdAt: '2026-01-01T00:00:00.000Z',
      version: 1, updatedAt: null, status, checkedAt: status && '2026-01-02T00:00:00.000Z',
    });
    const table = credentialTable([
      item('01a21913-a684-7ea2-a252-a1862e862be2', 'gcr.io', '_json_key', null, 'valid'),
      item('01a21913-a93b-733e-856c-bc4818794b75', 'https://index.docker.io/v1/', null, 'me@example.com', null),
    ]);
    expect(table).toBe(
      [
        'ID                                     SERVER                        USERNAME    EMAIL            STATUS',
        '01a21913-a684-7ea2-a252-a1862e862be2   gcr.io                        _json_key                    valid',
        '01a21913-a93b-733e-856c-bc4818794b75   https://index.docker.io/v1/               me@example.com   -',
        '',
      ].join('\n'),
    );
    expect(credentialTable([])).toBe('ID   SERVER   USERNAME   EMAIL   STATUS\n');
  });
});
