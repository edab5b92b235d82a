// The one place that knows what a credential event looks like: a change to a credential (its
// state before and after, as the stream adapter read them) in, the event or null out. Pure: no AWS,
// no clock, no storage layout.
import { eventDefaults, eventDetailTypes, type EventDetailType } from '../contract/events.ts';
import type { StoredCredential } from './credential.ts';

export interface CredentialChange {
  /** The change's id (the stream record's): the same change always maps to the same event id. */
  readonly id: string;
  readonly kind: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** When the change was made (ISO 8601). */
  readonly time: string;
  /** The credential before and after; both absent for a change to anything else (a registry guard, a check counter). */
  readonly before?: StoredCredential | undefined;
  readonly after?: StoredCredential | undefined;
}

/** Fields an update may change, as `changed` names them; `password` when the ciphertext differs. */
export const changeableFields = ['password', 'username', 'email'] as const;
export type ChangeableField = (typeof changeableFields)[number];

export interface CredentialEventDetail {
  readonly metadata: { readonly id: string; readonly version: number; readonly time: string };
  readonly data: {
    readonly project: string;
    readonly credentialId: string;
    readonly registry: string;
    readonly server: string;
    readonly username: string | null;
    readonly status?: string;
    readonly changed?: readonly ChangeableField[];
  };
}

export interface CredentialEvent {
  readonly detailType: EventDetailType;
  readonly detail: CredentialEventDetail;
}

/**
 * Added, Deleted, Updated (a new version, naming the changed fields), Verified or Verification Failed
 * (a new check result); null for changes to anything but a credential and for writes that change
 * neither (a check claim).
 */
export function credentialEvent(change: CredentialChange): CredentialEvent | null {
  const { before, after } = change;
  const credential = after ?? before;
  if (!credential) return null;
  // The credential's own timestamp of the change when it has one (the stream's is approximate).
  const event = (detailType: EventDetailType, from: StoredCredential, stamp: string | null, extra: { changed?: ChangeableField[] } = {}): CredentialEvent => ({
    detailType,
    detail: {
      metadata: { id: change.id, version: eventDefaults.schemaVersion, time: stamp || change.time },
      data: { ...dataOf(from), ...extra },
    },
  });
  if (change.kind === 'INSERT' && after) return event(eventDetailTypes.added, after, after.createdAt);
  if (change.kind === 'REMOVE' && before) return event(eventDetailTypes.deleted, before, null);
  if (change.kind !== 'MODIFY' || !before || !after) return null;
  if (before.version !== after.version) {
    const changed = changeableFields.filter((f) => fieldChanged(f, before, after));
    return event(eventDetailTypes.updated, after, after.updatedAt, { changed });
  }
  if (after.status !== null && after.checkedAt !== before.checkedAt) {
    const passed = after.status === 'valid';
    return event(passed ? eventDetailTypes.verified : eventDetailTypes.verificationFailed, after, after.checkedAt);
  }
  return null;
}

// Only named fields are copied: the ciphertext can never reach an event.
function dataOf(credential: StoredCredential): CredentialEventDetail['data'] {
  return {
    project: credential.project,
    credentialId: credential.id,
    registry: credential.registry,
    server: credential.server,
    username: credential.username,
    ...(credential.status !== null && { status: credential.status }),
  };
}

function fieldChanged(field: ChangeableField, before: StoredCredential, after: StoredCredential): boolean {
  if (field !== 'password') return before[field] !== after[field];
  return !sameBytes(before.ciphertext, after.ciphertext);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
