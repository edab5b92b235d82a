// Measurement 1: each handler's bundle exactly as the CDK app builds it. The real app is synthesized
// with real esbuild bundling; the baselines are bundled by the very same ApiFunction construct.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { esbuildBundling } from '../infra/constructs/api-function.ts';
import { repoRoot } from '../local/paths.ts';
import { createApp, stackName } from '../infra/regcred-app.ts';

export const handlerNames = { add: 'add-credential', list: 'list-credentials', delete: 'delete-credential' } as const;
export type Op = keyof typeof handlerNames;
export const ops: readonly Op[] = ['add', 'list', 'delete'];

export interface Bundle {
  readonly file: string;
  /** The function's NODE_OPTIONS in the template ('' when it sets none): the cold-start bench runs the bundle with them. */
  readonly nodeOptions: string;
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

// ESM bundles have no `require`; some bundled CommonJS dependencies still call it.
const requireShim = "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);";
const { commandHooks: _, ...esbuildOptions } = esbuildBundling;
const naiveBundling = { ...esbuildOptions, format: OutputFormat.ESM, banner: requireShim, esbuildArgs: { '--tree-shaking': 'true' } };

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

  // The baselines: the naive recipe, regcred's esbuild options as they were before issue #22 (an ESM bundle
  // with a require shim and the SDK's whole default credential chain) and Lambda's usual NODE_OPTIONS=--enable-source-maps. The empty handler sets nothing: Node's own floor.
  const baseApp = new App({ outdir: baseOutdir, context: assetMetadata });
  const baseStack = new Stack(baseApp, 'RegcredBenchBaselines');
  const entries = { add: 'add', list: 'list', delete: 'delete', empty: 'empty', resolve: 'resolve' } as const;
  const fns = Object.fromEntries(
    Object.entries(entries).map(([name, file]) => [
      name,
      new NodejsFunction(baseStack, `Baseline${name}`, {
        entry: join(repoRoot, `bench/baselines/${file}.ts`),
        projectRoot: repoRoot,
        depsLockFilePath: join(repoRoot, 'package-lock.json'),
        runtime: Runtime.NODEJS_24_X,
        architecture: Architecture.ARM_64,
        environment: name === 'empty' ? {} : { NODE_OPTIONS: '--enable-source-maps' },
        bundling: naiveBundling,
      }),
    ]),
  );
  const baseAssembly = baseApp.synth();
  const baseTemplate = baseAssembly.getStackByName(baseStack.stackName).template as Template;
  const baselines = Object.fromEntries(
    Object.entries(fns).map(([name, fn]) => [name, bundleOf(baseAssembly.directory, baseTemplate, baseStack.getLogicalId(fnOf({ node: fn.node })))]),
  ) as Record<Op | 'empty' | 'resolve', Bundle>;
  return { handlers, baselines, resolve };
}

type Template = {
  Resources: Record<string, { Type: string; Metadata?: Record<string, string>; Properties?: { Environment?: { Variables?: Record<string, unknown> } } }>;
};

function fnOf(fn: { node: { defaultChild?: unknown } }) {
  return fn.node.defaultChild as Parameters<Stack['getLogicalId']>[0];
}

function bundleOf(directory: string, template: Template, logicalId: string): Bundle {
  const resource = template.Resources[logicalId];
  const assetPath = resource?.Type === 'AWS::Lambda::Function' ? resource.Metadata?.['aws:asset:path'] : undefined;
  if (!assetPath) throw new Error(`no bundled asset for ${logicalId}`);
  const file = ['index.js', 'index.mjs'].map((name) => join(directory, assetPath, name)).find((path) => existsSync(path));
  if (!file) throw new Error(`no index.js or index.mjs in ${assetPath}`);
  const code = readFileSync(file, 'utf8');
  const nodeOptions = resource?.Properties?.Environment?.Variables?.['NODE_OPTIONS'];
  return {
    file,
    nodeOptions: typeof nodeOptions === 'string' ? nodeOptions : '',
    bytes: statSync(file).size,
    mapBytes: existsSync(`${file}.map`) ? statSync(`${file}.map`).size : 0,
    kmsMarkers: kmsClientMarkers.filter((marker) => code.includes(marker)),
  };
}
