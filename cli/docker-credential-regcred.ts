#!/usr/bin/env node
// docker-credential-regcred: a docker credential helper backed by a regcred vault. Docker, BuildKit,
// skopeo and podman run it once per pull with the verb in argv (get, list, store, erase, version).
import { runHelper } from './docker-credential-helper.ts';
import { processIo } from './io.ts';
import { packageVersion } from './version.ts';

process.exitCode = await runHelper(process.argv.slice(2), processIo, packageVersion);
