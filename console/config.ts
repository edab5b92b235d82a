// What the console reads from config.json beside it: locally `{}` (the API is the page's own
// origin, unsigned); deployed, the API URL and the Cognito pools it signs in with.

export interface ConsoleAuth {
  readonly region: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  /** The user pool's hosted sign-in domain, https://<prefix>.auth.<region>.amazoncognito.com */
  readonly signInUrl: string;
  readonly identityPoolId: string;
}

export interface ConsoleConfig {
  readonly apiUrl?: string;
  readonly auth?: ConsoleAuth;
}
