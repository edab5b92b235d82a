import { readFileSync } from 'node:fs';
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { RegcredStack } from './regcred-stack.ts';

export const stackName = 'Regcred';

/** Nag packs that run on every synth; tests run the same list. */
export const nagPacks = () => [new AwsSolutionsChecks(), new ServerlessChecks()];

/**
 * cdk.json's context: the feature flags and regcred's settings. The CDK CLI hands it to the app
 * itself; reading it here too makes the tests and the bench synthesise exactly what deploys.
 */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')).context ?? {};
}

/** The app as `cdk synth` builds it: one env-agnostic stack (no lookups) plus the cdk-nag packs. */
export function createApp(props: AppProps = {}): { app: App; stack: RegcredStack } {
  const app = new App({ ...props, context: { ...cdkJsonContext(), ...props.context } });
  const stack = new RegcredStack(app, stackName);
  Validations.of(app).addPlugins(...nagPacks());
  return { app, stack };
}
