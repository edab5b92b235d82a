import { Arn, ArnFormat, Aws, CfnCondition, CfnOutput, Duration, Fn, type CfnResource } from 'aws-cdk-lib';
import { ArnPrincipal, Policy, PolicyStatement, PrincipalWithConditions, Role } from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';
import { createHash } from 'node:crypto';
import type { ProjectGrant } from '../config.ts';
import type { CredentialsApi } from './credentials-api.ts';

export interface ProjectGrantsProps {
  readonly api: CredentialsApi;
  readonly grants: readonly ProjectGrant[];
}

/** The output naming a cross-account grant's access role: `<Project><RoleName><Account>AccessRoleArn`, letters and digits only. */
export function accessRoleOutputName({ project, principal }: ProjectGrant): string {
  const { account, resourceName } = Arn.split(principal, ArnFormat.SLASH_RESOURCE_NAME);
  const roleName = resourceName!.split('/').at(-1)!;
  const pascal = (text: string) => text.split(/[^A-Za-z0-9]+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return `${pascal(project)}${pascal(roleName)}${account}AccessRoleArn`;
}

/**
 * Every configured grant (infra/config.ts), one construct each, named after the grant so reordering
 * changes nothing. One pair of conditions per account, so two grants to roles of one account do not
 * repeat the same condition.
 */
export class ProjectGrants extends Construct {
  constructor(scope: Construct, id: string, props: ProjectGrantsProps) {
    super(scope, id);
    const conditions = new Map<string, AccountConditions>();
    const outputs = new Map<string, ProjectGrant>();
    for (const grant of props.grants) {
      const output = accessRoleOutputName(grant);
      const earlier = outputs.get(output);
      if (earlier) throw new Error(`grants to ${earlier.principal} and ${grant.principal} on ${grant.project} would share the output ${output}: rename one role`);
      outputs.set(output, grant);
      const account = Arn.split(grant.principal, ArnFormat.SLASH_RESOURCE_NAME).account!;
      if (!conditions.has(account)) conditions.set(account, accountConditions(this, account));
      const digest = createHash('sha256').update(`${grant.project} ${grant.principal}`).digest('hex').slice(0, 10);
      new ProjectGrantFor(this, `${grant.project}-${digest}`, { api: props.api, grant, output, ...conditions.get(account)! });
    }
  }
}

interface AccountConditions {
  readonly local: CfnCondition;
  readonly remote: CfnCondition;
}

function accountConditions(scope: Construct, account: string): AccountConditions {
  const local = new CfnCondition(scope, `InAccount${account}`, { expression: Fn.conditionEquals(Aws.ACCOUNT_ID, account) });
  const remote = new CfnCondition(scope, `NotInAccount${account}`, { expression: Fn.conditionNot(local) });
  return { local, remote };
}

/**
 * One principal's capabilities on one project. The stack is account-agnostic, so the template decides
 * at deploy time: a role of the deploying account gets the permission attached to it; a role of
 * another account cannot (HTTP APIs have no resource policy), so it gets an access role here that
 * it may assume, and the `<grant>AccessRoleArn` output names it. That account must also allow its
 * role sts:AssumeRole on the access role.
 */
class ProjectGrantFor extends Construct {
  constructor(scope: Construct, id: string, { api, grant, output, local, remote }: { api: CredentialsApi; grant: ProjectGrant; output: string } & AccountConditions) {
    super(scope, id);
    const role = Role.fromRoleArn(this, 'Role', grant.principal, { mutable: true });
    api.grantProjectAccess(role, grant.project, grant.capabilities);
    onlyIf(local, role.node.children.find((c) => c instanceof Policy));

    // Sessions must carry a source identity (set by the caller, or passed on from its own session),
    // so CloudTrail ties each call made with this role to a person, not only to the role.
    const withSourceIdentity = { StringLike: { 'sts:SourceIdentity': '*' } };
    const access = new Role(this, 'AccessRole', {
      assumedBy: new PrincipalWithConditions(new ArnPrincipal(grant.principal), withSourceIdentity),
      description: `regcred ${grant.capabilities.join('+')} on ${grant.project} for ${grant.principal}`,
      maxSessionDuration: Duration.hours(1),
    });
    access.assumeRolePolicy!.addStatements(
      new PolicyStatement({ actions: ['sts:SetSourceIdentity'], principals: [new ArnPrincipal(grant.principal)], conditions: withSourceIdentity }),
    );
    api.grantProjectAccess(access, grant.project, grant.capabilities);
    onlyIf(remote, access, access.node.tryFindChild('DefaultPolicy'));
    new CfnOutput(this, 'AccessRoleArn', {
      value: access.roleArn,
      condition: remote,
      description: `${grant.principal} assumes this role to call project ${grant.project}`,
    }).overrideLogicalId(output);
  }
}

function onlyIf(condition: CfnCondition, ...constructs: (IConstruct | undefined)[]): void {
  for (const construct of constructs) {
    if (!construct) throw new Error('grant construct missing');
    (construct.node.defaultChild as CfnResource).cfnOptions.condition = condition;
  }
}
