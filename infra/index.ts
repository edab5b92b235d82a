// What other CDK apps import from regcred.
export { RegistryCredential, defaultProviderExportName, type RegistryCredentialProps } from './registry-credential.ts';
export { RegcredStack, type RegcredStackProps } from './regcred-stack.ts';
