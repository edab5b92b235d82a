import { envNames } from '../contract/config.ts';
import type { CheckResult } from '../core/credential.ts';
import type { RegistryVerifier } from '../core/ports.ts';
import { dockerLogin, registryBaseUrl, type Login } from '../core/registry-login.ts';
import { isLoopbackHost, localOrPublic, publicOnly, type AddressPolicy } from './address-policy.ts';
import { GuardedHttp, registryLimits, type Resolve } from './registry-http.ts';

export interface VerifierPolicy {
  /** http and loopback and private (never link-local) registries allowed: only `npm start` sets this. */
  readonly insecure: boolean;
  /** Test seams: never set by `fromEnv`, so a deployment cannot turn them on. */
  readonly resolve?: Resolve;
  readonly allowAddress?: AddressPolicy;
  readonly ca?: string;
  /** The whole check's limit; `registryLimits.totalMs` (8 s) unless a test sets a shorter one. */
  readonly totalMs?: number;
}

export class HttpsRegistryVerifier implements RegistryVerifier {
  private readonly policy: VerifierPolicy;

  constructor(policy: VerifierPolicy) {
    this.policy = policy;
  }

  /** Deployed: https and public addresses only. REGCRED_ALLOW_INSECURE_REGISTRIES=true (npm start) also allows http, loopback and private (never link-local). */
  static fromEnv(): HttpsRegistryVerifier {
    return new HttpsRegistryVerifier({ insecure: process.env[envNames.allowInsecureRegistries] === 'true' });
  }

  async verify(login: Login): Promise<CheckResult> {
    const { insecure, resolve, allowAddress, ca, totalMs = registryLimits.totalMs } = this.policy;
    const http = new GuardedHttp({
      allowHttp: insecure,
      allowAddress: allowAddress ?? (insecure ? localOrPublic : publicOnly),
      deadline: AbortSignal.timeout(totalMs),
      ...(resolve && { resolve }),
      ...(ca && { ca }),
    });
    // Docker itself talks plain http to loopback registries by default (127.0.0.0/8).
    const base = registryBaseUrl(login.server, (host) => insecure && isLoopbackHost(host));
    return dockerLogin(http, base, login, insecure ? isLoopbackHost : undefined);
  }
}
