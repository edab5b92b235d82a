#!/usr/bin/env node
// regcred-kubelet-credential-provider: a kubelet image credential provider plugin backed by a
// regcred vault. The kubelet runs it per image it has no cached credential for (see the README's
// CredentialProviderConfig).
import { processIo } from './io.ts';
import { runProvider } from './kubelet-provider.ts';
import { packageVersion } from './version.ts';

process.exitCode = await runProvider(process.argv.slice(2), processIo, packageVersion);
