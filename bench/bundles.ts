// Measurement 1: each handler's bundle exactly as the CDK app builds it. The real app is synthesized
// with real esbuild bundling; the baselines are bundled by the very same ApiFunction construct.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type { Route } from '../functions/contract/routes.ts';
import { ApiFunction } from '../infra/constructs/api-function.ts';
import { createApp, stackName } from '../infra/regcred-app.ts';

export const handlerNames = { add: 'add-credential', list: 'list-credentials', delete: 'delete-credential' } as const;
export type Op = keyof typeof handlerNames;
export const ops: readonly Op[] = ['add', 'list', 'delete'];

export interface Bundle {
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  readonly kmsMarkers: string[];
}

export interface Bundles {
  readonly handlers: Record<Op, Bundle>;
  readonly baselines: Record<Op | 'empty' | 'resolve', Bundle>;
  /** The read side's resolve handler (measured by bench/resolve.ts). */
  readonly resolve: Bundle;
}

// Minified bundles keep the SDK's string literals: the KMS wire target, client name and operation schema.
const kmsClientMarkers = ['TrentService', 'KMSClient', '"EncryptResponse"'];
const assetMetadata = { 'aws:cdk:enable-asset-metadata': true };

export function synthBundles(workDir: string): Bundles {
  const outdir = join(workDir, 'cdk.out');
  const baseOutdir = join(workDir, 'cdk.out.baselines');
  rmSync(outdir, { recursive: true, force: true });
  rmSync(baseOutdir, { recursive: true, force: true });

  const { app, stack } = createApp({ outdir, context: assetMetadata });
  const assembly = app.synth();
  const template = assembly.getStackByName(stackName).template as Template;
  const handlers = Object.fromEntries(
    ops.map((op) => [op, bundleOf(assembly.directory, template, stack.getLogicalId(fnOf(stack.api.functions[handlerNames[op]]!.function)))]),
  ) as Record<Op, Bundle>;
  const resolve = bundleOf(assembly.directory, template, stack.getLogicalId(fnOf(stack.api.functions['resolve-registry-auth']!.function)));

  // The baselines go through the same construct, so the same esbuild options, banner and source maps.
  const baseApp = new App({ outdir: baseOutdir, context: assetMetadata });
  const baseStack = new Stack(baseApp, 'RegcredBenchBaselines');
  const entries = { add: 'add', list: 'list', delete: 'delete', empty: 'empty', resolve: 'resolve' } as const;
  const fns = Object.fromEntries(
    Object.entries(entries).map(([name, file]) => {
      const route = { name: `baseline-${name}`, method: 'GET', path: '/', entry: `bench/baselines/${file}.ts`, hasBody: false, summary: '' };
      return [name, new ApiFunction(baseStack, `Baseline${name}`, { route: route as unknown as Route, environment: {} })];
    }),
  );
  const baseAssembly = baseApp.synth();
  const baseTemplate = baseAssembly.getStackByName(baseStack.stackName).template as Template;
  const baselines = Object.fromEntries(
    Object.entries(fns).map(([name, fn]) => [name, bundleOf(baseAssembly.directory, baseTemplate, baseStack.getLogicalId(fnOf(fn.function)))]),
  ) as Record<Op | 'empty' | 'resolve', Bundle>;
  return { handlers, baselines, resolve };
}

type Template = { Resources: Record<string, { Type: string; Metadata?: Record<string, string> }> };

function fnOf(fn: { node: { defaultChild?: unknown } }) {
  return fn.node.defaultChild as Parameters<Stack['getLogicalId']>[0];
}

function bundleOf(directory: string, template: Template, logicalId: string): Bundle {
  const resource = template.Resources[logicalId];
  const assetPath = resource?.Type === 'AWS::Lambda::Function' ? resource.Metadata?.['aws:asset:path'] : undefined;
  if (!assetPath) throw new Error(`no bundled asset for ${logicalId}`);
  const file = join(directory, assetPath, 'index.mjs');
  const code = readFileSync(file, 'utf8');
  return {
    file,
    bytes: statSync(file).size,
    mapBytes: existsSync(`${file}.map`) ? statSync(`${file}.map`).size : 0,
    kmsMarkers: kmsClientMarkers.filter((marker) => code.includes(marker)),
  };
}
