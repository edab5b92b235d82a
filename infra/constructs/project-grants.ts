import { createHash } from 'node:crypto';
import { Arn, ArnFormat, Aws, CfnCondition, CfnOutput, Duration, Fn, type CfnResource } from 'aws-cdk-lib';
import { ArnPrincipal, Policy, PolicyStatement, PrincipalWithConditions, Role } from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';
import type { ProjectGrant } from '../config.ts';
import type { CredentialsApi } from './credentials-api.ts';

export interface ProjectGrantsProps {
  readonly api: CredentialsApi;
  readonly grants: readonly ProjectGrant[];
}

/** Every configured grant (infra/config.ts), one construct each, named after the grant so reordering changes nothing. */
export class ProjectGrants extends Construct {
  constructor(scope: Construct, id: string, props: ProjectGrantsProps) {
    super(scope, id);
    for (const grant of props.grants) {
      const digest = createHash('sha256').update(`${grant.project} ${grant.principal}`).digest('hex').slice(0, 10);
      new ProjectGrantFor(this, `${grant.project}-${digest}`, { api: props.api, grant });
    }
  }
}

/**
 * One principal's capabilities on one project. The stack is account-agnostic, so the template decides
 * at deploy time: a role of the deploying account gets the permission attached to it; a role of
 * another account cannot (HTTP APIs have no resource policy), so it gets an access role here that
 * it may assume, and the AccessRoleArn output names it. That account must also allow its role
 * sts:AssumeRole on the access role.
 */
class ProjectGrantFor extends Construct {
  constructor(scope: Construct, id: string, { api, grant }: { api: CredentialsApi; grant: ProjectGrant }) {
    super(scope, id);
    const account = Arn.split(grant.principal, ArnFormat.SLASH_RESOURCE_NAME).account;
    const local = new CfnCondition(this, 'InThisAccount', { expression: Fn.conditionEquals(Aws.ACCOUNT_ID, account!) });
    const remote = new CfnCondition(this, 'InOtherAccount', { expression: Fn.conditionNot(local) });

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
    });
  }
}

function onlyIf(condition: CfnCondition, ...constructs: (IConstruct | undefined)[]): void {
  for (const construct of constructs) {
    if (!construct) throw new Error('grant construct missing');
    (construct.node.defaultChild as CfnResource).cfnOptions.condition = condition;
  }
}
