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

const loopbackNamesOnly: Resolve = async (hostname) => {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return [{ address: '127.0.0.1', family: 4 }];
  throw new Error(`${hostname}: only loopback registries are reached here (offline local stack)`);
};

export class HttpsRegistryVerifier implements RegistryVerifier {
  private readonly policy: VerifierPolicy;

  constructor(policy: VerifierPolicy) {
    this.policy = policy;
  }

  /**
   * Deployed: https and public addresses only. REGCRED_ALLOW_INSECURE_REGISTRIES=true (npm start) also
   * allows http, loopback and private addresses (never link-local); `=loopback` (the offline test
   * stack) allows loopback registries and resolves no other name, so checking any other registry
   * sends not even a DNS query.
   */
  static fromEnv(): HttpsRegistryVerifier {
    const setting = process.env[envNames.allowInsecureRegistries];
    if (setting === 'loopback') return new HttpsRegistryVerifier({ insecure: true, resolve: loopbackNamesOnly });
    return new HttpsRegistryVerifier({ insecure: setting === 'true' });
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
