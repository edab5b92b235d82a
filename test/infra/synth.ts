// Shared synthesis helpers for the infra tests: build the app exactly as `cdk synth` does.
import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { createApp } from '../../infra/regcred-app.ts';

/** Skips esbuild for every stack: template assertions don't need the bundles. */
export const skipBundling = { 'aws:cdk:bundling-stacks': [] };

export function appWithoutBundling(context: Record<string, unknown> = {}) {
  return createApp({ context: { ...skipBundling, ...context } });
}

export function synthWithoutBundling() {
  const { app, stack } = appWithoutBundling();
  return { app, stack, template: Template.fromStack(stack) };
}

/** Logical ID of an L2 construct's CloudFormation resource. */
export function logicalId(construct: IConstruct): string {
  const cfn = construct.node.defaultChild as CfnElement;
  return (cfn.stack as Stack).getLogicalId(cfn);
}

export type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

export function resources(template: Template): Record<string, Resource> {
  return template.toJSON()['Resources'];
}

/** The IAM policies (logical id, resource) attached to the role with this logical id. */
export function policiesOfRole(all: Record<string, Resource>, roleId: string): [string, Resource][] {
  return Object.entries(all).filter(
    ([, p]) => p.Type === 'AWS::IAM::Policy' && (p.Properties['Roles'] as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
  );
}

/** Every IAM policy attached to a role, and all their statements. */
export function policiesOf(template: Template, role: IConstruct) {
  const policies = policiesOfRole(resources(template), logicalId(role));
  return { policies, statements: policies.flatMap(([, p]) => p.Properties['PolicyDocument'].Statement as Statement[]) };
}

export type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
