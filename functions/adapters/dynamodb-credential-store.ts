import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import type { CheckStatus, CredentialView, StoredCredential } from '../core/credential.ts';
import { ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError, RateLimitedError, UnavailableError, ValidationError } from '../core/errors.ts';
import type { CheckClaim, CredentialChanges, CredentialPage, CredentialStore, HostCheckLimit } from '../core/ports.ts';
import type { ResourceOwner } from '../core/stack-grants.ts';
import { credentialSortPrefix, keyOf } from '../contract/table.ts';
import { envNames, requiredEnv } from '../contract/config.ts';
import { clientConfig, operationDeadline } from './aws-clients.ts';
import { queryCredentialPage } from './dynamodb-credential-list.ts';
import { credentialKey, fromItem, fromStoredItem, n, ownedBy, ownerAttributes, s, toItem, versionOf, viewProjection, type Item } from './dynamodb-items.ts';
import { updateExpression } from './update-expression.ts';
import { mayHaveBeenApplied, trackWriteOutcomes } from './write-outcome.ts';
import { setTimeout as sleep } from 'node:timers/promises';

// Concurrent adds of one registry can cancel each other (TransactionConflict), and a guard can vanish
// between a failed check and the read of its owner (a concurrent delete); retry those a few times.
const maxConflictRetries = 4;

export class DynamoDbCredentialStore implements CredentialStore {
  private readonly db: DynamoDBClient;
  private readonly table: string;

  constructor(db: DynamoDBClient, table: string) {
    this.db = db;
    this.table = table;
    trackWriteOutcomes(db);
  }

  /** The production wiring; overrides (e.g. a test request handler) are merged into the client config. */
  static fromEnv(overrides: DynamoDBClientConfig = {}): DynamoDbCredentialStore {
    return new DynamoDbCredentialStore(new DynamoDBClient({ ...clientConfig, ...overrides }), requiredEnv(envNames.tableName));
  }

  async create(credential: StoredCredential): Promise<void> {
    const guardKey = { pk: s(keyOf.project(credential.project)), sk: s(keyOf.registryGuard(credential.registry)) };
    const command = new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.table,
            Item: { ...guardKey, credentialId: s(credential.id) },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Put: {
            TableName: this.table,
            Item: toItem(credential),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });
    const deadline = operationDeadline();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.db.send(command, deadline);
        return;
      } catch (error) {
        const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
        const guard = reasons[0];
        if (guard?.Code === 'ConditionalCheckFailed') {
          const owner = guard.Item?.['credentialId']?.S ?? (await this.guardOwner(guardKey, deadline));
          if (owner !== undefined) throw conflict(credential.registry, owner);
          // The guard was deleted since the check (its credential was deleted): the registry is free, try again.
        }
        const retryable = guard?.Code === 'ConditionalCheckFailed' || reasons.some((r) => r.Code === 'TransactionConflict');
        if (!retryable || attempt >= maxConflictRetries) throw unavailableWrite(error, 'the credential may have been saved');
        await sleep(10 * 2 ** attempt * Math.random());
      }
    }
  }

  list(project: string, limit: number, afterId: string | null): Promise<CredentialPage> {
    return queryCredentialPage(this.db, this.table, project, limit, afterId);
  }

  async delete(project: string, id: string, owner?: ResourceOwner): Promise<void> {
    const pk = s(keyOf.project(project));
    const key = credentialKey(project, id);
    const deadline = operationDeadline();
    let found: Item | undefined;
    try {
      const answer = await this.db.send(
        new GetItemCommand({
          TableName: this.table,
          Key: key,
          ConsistentRead: true,
          ProjectionExpression: `registry, ${ownerAttributes.stackId}, ${ownerAttributes.logicalId}`,
        }),
        deadline,
      );
      found = answer.Item;
    } catch (error) {
      throw unavailable(error);
    }
    const registry = found?.['registry']?.S;
    if (registry === undefined) throw notFound(id);
    if (owner && !ownedBy(found!, owner)) throw notOwned(id);
    // The same owner check in the write itself: a concurrent change cannot slip past it.
    const owned = owner
      ? {
          ConditionExpression: 'attribute_exists(pk) AND #ownerStackId = :ownerStackId AND #ownerLogicalId = :ownerLogicalId',
          ExpressionAttributeNames: { '#ownerStackId': ownerAttributes.stackId, '#ownerLogicalId': ownerAttributes.logicalId },
          ExpressionAttributeValues: { ':ownerStackId': s(owner.stackId), ':ownerLogicalId': s(owner.logicalId) },
        }
      : { ConditionExpression: 'attribute_exists(pk)' };
    try {
      await this.db.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Delete: { TableName: this.table, Key: key, ...owned } },
            {
              Delete: {
                TableName: this.table,
                Key: { pk, sk: s(keyOf.registryGuard(registry)) },
                ConditionExpression: 'attribute_not_exists(pk) OR credentialId = :id',
                ExpressionAttributeValues: { ':id': s(id) },
              },
            },
          ],
        }),
        deadline,
      );
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') throw notFound(id);
      throw unavailableWrite(error, 'the credential may have been deleted');
    }
  }

  private async guardOwner(key: Item, deadline: { abortSignal: AbortSignal }): Promise<string | undefined> {
    try {
      const found = await this.db.send(new GetItemCommand({ TableName: this.table, Key: key, ConsistentRead: true }), deadline);
      return found.Item?.['credentialId']?.S;
    } catch (error) {
      throw unavailable(error);
    }
  }

  async update(project: string, id: string, changes: CredentialChanges, expectedVersion?: number, owner?: ResourceOwner): Promise<CredentialView> {
    try {
      const result = await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: credentialKey(project, id),
          ...updateExpression(changes, expectedVersion, owner),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        operationDeadline(),
      );
      return fromItem(result.Attributes ?? {});
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw unavailableWrite(error, 'the change may have been saved');
      const old = error.Item;
      if (!old) throw notFound(id);
      if (owner && !ownedBy(old, owner)) throw notOwned(id);
      const current = versionOf(old);
      if (expectedVersion !== undefined && current !== expectedVersion) {
        throw new PreconditionFailedError(`Credential ${id} is at version ${current}, not ${expectedVersion}; nothing was changed.`, current);
      }
      const problem = changes.refuseUsernames[old['username']?.S ?? ''];
      if (problem) throw ValidationError.field('password', problem);
      throw unavailable(error);
    }
  }

  async claimCheck(project: string, id: string, nowMs: number, intervalMs: number): Promise<CheckClaim> {
    try {
      const result = await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: credentialKey(project, id),
          UpdateExpression: 'SET checkStartedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(checkStartedAt) OR checkStartedAt <= :cutoff)',
          ExpressionAttributeValues: { ':now': n(nowMs), ':cutoff': n(nowMs - intervalMs) },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        operationDeadline(),
      );
      return { credential: fromStoredItem(project, result.Attributes ?? {}), claimedAt: nowMs };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw unavailableWrite(error, 'the check may have started (a new one waits for the rate limit)');
      if (!error.Item) throw notFound(id);
      const nextMs = Number(error.Item['checkStartedAt']?.N ?? nowMs) + intervalMs;
      const seconds = Math.max(1, Math.ceil((nextMs - nowMs) / 1000));
      throw new RateLimitedError(`Credential ${id} was checked less than ${intervalMs / 1000} s ago; try again in ${seconds} s.`, seconds);
    }
  }

  /**
   * A fixed window per project and host: one conditional increment while the window runs and has
   * room, else one conditional reset that starts a new window (a concurrent reset: increment again).
   */
  async claimHostCheck(project: string, host: string, nowMs: number, limit: HostCheckLimit): Promise<void> {
    const Key = { pk: s(keyOf.project(project)), sk: s(keyOf.hostChecks(host)) };
    const cutoff = n(nowMs - limit.windowMs);
    const deadline = operationDeadline();
    for (let attempt = 0; attempt < 3; attempt++) {
      let old: Item | undefined;
      try {
        await this.db.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key,
            UpdateExpression: 'SET checks = checks + :one',
            ConditionExpression: 'windowStart > :cutoff AND checks < :max',
            ExpressionAttributeValues: { ':one': n(1), ':cutoff': cutoff, ':max': n(limit.max) },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
          deadline,
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw unavailableWrite(error, 'the check may have been counted');
        old = error.Item;
      }
      const windowStart = Number(old?.['windowStart']?.N ?? Number.NEGATIVE_INFINITY);
      if (windowStart > nowMs - limit.windowMs) {
        const seconds = Math.max(1, Math.ceil((windowStart + limit.windowMs - nowMs) / 1000));
        throw new RateLimitedError(
          `This project's registry checks of ${host} reached ${limit.max} in ${limit.windowMs / 1000} s; try again in ${seconds} s.`,
          seconds,
          'host',
        );
      }
      try {
        await this.db.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key,
            UpdateExpression: 'SET windowStart = :now, checks = :one',
            ConditionExpression: 'attribute_not_exists(windowStart) OR windowStart <= :cutoff',
            ExpressionAttributeValues: { ':now': n(nowMs), ':one': n(1), ':cutoff': cutoff },
          }),
          deadline,
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw unavailableWrite(error, 'the check may have been counted');
      }
    }
    throw new UnavailableError('The registry-check counter is contended; nothing was changed.');
  }

  async recordCheck(project: string, id: string, claim: CheckClaim, result: { status: CheckStatus; checkedAt: string }): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: credentialKey(project, id),
          UpdateExpression: 'SET #status = :status, checkedAt = :checkedAt, checkedVersion = :version',
          // An update since the claim removed checkStartedAt: this result is for a login that is gone.
          ConditionExpression: 'checkStartedAt = :claimedAt',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': s(result.status),
            ':checkedAt': s(result.checkedAt),
            ':version': n(claim.credential.version),
            ':claimedAt': n(claim.claimedAt),
          },
        }),
        operationDeadline(),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw unavailableWrite(error, 'the result may have been recorded');
    }
  }
}


const conflict = (registry: string, existingId: string) =>
  new ConflictError(`A credential for registry ${registry} already exists in this project (id ${existingId}).`, existingId);
const notFound = (id: string) => new NotFoundError(`No credential with id ${id} in this project.`);
const notOwned = (id: string) => new ForbiddenError(`Credential ${id} was not declared by this stack and resource; nothing was changed.`);
const unavailable = (error: unknown) =>
  new UnavailableError('The credential store is unavailable; nothing was changed.', { cause: error });
/** A failed write says what is known: nothing changed, or DynamoDB may have applied it unanswered. */
const unavailableWrite = (error: unknown, maybe: string) =>
  mayHaveBeenApplied(error)
    ? new UnavailableError(`The credential store did not answer in time; ${maybe}: list the project's credentials to check before trying again.`, { cause: error })
    : unavailable(error);
