// Which CloudFormation stacks may declare RegistryCredential resources in which project (the grants
// file's `stacks`, handed to the provider in its environment), and which secrets a project's
// credentials may be read from. Pure functions: the provider's authorisation point.

/** `stack` is a 12-digit account (any stack of it) or a StackId ARN pattern, `*` matching within one ARN part. */
export interface StackGrant {
  readonly project: string;
  readonly stack: string;
}

/** Who declared a credential: the owning stack and the resource's logical id. */
export interface ResourceOwner {
  readonly stackId: string;
  readonly logicalId: string;
}

const accountPattern = /^\d{12}$/;
const stackIdShape = /^arn:aws[a-z-]*:cloudformation:[a-z0-9-]+:(\d{12}):stack\/[^/]+\/[^/]+$/;

/** The account of a StackId, or undefined if it is not one. */
export function stackAccount(stackId: string): string | undefined {
  return stackIdShape.exec(stackId)?.[1];
}

function matches(pattern: string, stackId: string): boolean {
  if (accountPattern.test(pattern)) return stackAccount(stackId) === pattern;
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^:/]*')}$`);
  return regex.test(stackId);
}

/** Whether the grants let this stack declare credentials in this project. */
export function stackMayDeclare(grants: readonly StackGrant[], stackId: string, project: string): boolean {
  if (stackAccount(stackId) === undefined) return false;
  return grants.some((grant) => grant.project === project && matches(grant.stack, stackId));
}

/** The name prefix of the secrets a project's credentials may be read from. */
export const projectSecretPrefix = (project: string) => `regcred/${project}/`;

const secretArnShape = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:(\d{12}):secret:(.+)$/;

/**
 * Why this secret may not hold a password of this project's credential (declared by a stack of
 * `account`), or undefined: it must be a secret ARN of that account named `regcred/<project>/...`.
 */
export function secretProblem(secretId: string, project: string, account: string | undefined): string | undefined {
  const arn = secretArnShape.exec(secretId);
  if (!arn) return 'must be a Secrets Manager secret ARN';
  if (arn[1] !== account) return "must be a secret of the declaring stack's account";
  if (!arn[2]!.startsWith(projectSecretPrefix(project))) return `must name a secret called ${projectSecretPrefix(project)}...: a project's passwords come from its own secrets`;
  return undefined;
}
