import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { RegcredStack } from './regcred-stack.ts';

export const stackName = 'Regcred';

/** Nag packs that run on every synth; tests run the same list. */
export const nagPacks = () => [new AwsSolutionsChecks(), new ServerlessChecks()];

/** The app as `cdk synth` builds it: one env-agnostic stack (no lookups) plus the cdk-nag packs. */
export function createApp(props: AppProps = {}): { app: App; stack: RegcredStack } {
  const app = new App(props);
  const stack = new RegcredStack(app, stackName);
  Validations.of(app).addPlugins(...nagPacks());
  return { app, stack };
}
