// The one place that knows what a credential event looks like: a table change (a stream record
// with its images already unmarshalled) in, the event or null out. Pure: no AWS, no clock.
import { eventDefaults, eventDetailTypes, type EventDetailType } from '../contract/events.ts';
import { credentialSortPrefix, keyOf } from '../contract/table.ts';

export type ItemImage = Readonly<Record<string, unknown>>;

export interface TableChange {
  /** The stream record's id: the same change always maps to the same event id. */
  readonly id: string;
  readonly kind: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** When the change was made (ISO 8601). */
  readonly time: string;
  readonly oldImage?: ItemImage | undefined;
  readonly newImage?: ItemImage | undefined;
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

const projectPrefix = keyOf.project('');

/**
 * Added, Deleted, Updated (a new version, naming the changed fields), Verified or Verification Failed
 * (a new check result); null for registry guards and for writes that change neither (a check claim).
 */
export function credentialEvent(change: TableChange): CredentialEvent | null {
  const { oldImage, newImage } = change;
  const image = newImage ?? oldImage;
  if (!image || !isCredential(image)) return null;
  // The item's own timestamp of the change when it has one (the stream's is approximate).
  const event = (detailType: EventDetailType, from: ItemImage, stamp: string | null, extra: { changed?: ChangeableField[] } = {}): CredentialEvent => ({
    detailType,
    detail: {
      metadata: { id: change.id, version: eventDefaults.schemaVersion, time: stamp ?? change.time },
      data: { ...dataOf(from), ...extra },
    },
  });
  if (change.kind === 'INSERT' && newImage) return event(eventDetailTypes.added, newImage, text(newImage, 'createdAt'));
  if (change.kind === 'REMOVE' && oldImage) return event(eventDetailTypes.deleted, oldImage, null);
  if (change.kind !== 'MODIFY' || !oldImage || !newImage) return null;
  if (versionOf(oldImage) !== versionOf(newImage)) {
    const changed = changeableFields.filter((f) => fieldChanged(f, oldImage, newImage));
    return event(eventDetailTypes.updated, newImage, text(newImage, 'updatedAt'), { changed });
  }
  const checkedAt = text(newImage, 'checkedAt');
  if (text(newImage, 'status') !== null && checkedAt !== text(oldImage, 'checkedAt')) {
    const passed = newImage['status'] === 'valid';
    return event(passed ? eventDetailTypes.verified : eventDetailTypes.verificationFailed, newImage, checkedAt);
  }
  return null;
}

function isCredential(image: ItemImage): boolean {
  return typeof image['sk'] === 'string' && image['sk'].startsWith(credentialSortPrefix) && typeof image['pk'] === 'string';
}

// Only named attributes are copied: the ciphertext can never reach an event.
function dataOf(image: ItemImage): CredentialEventDetail['data'] {
  const status = text(image, 'status');
  return {
    project: String(image['pk']).slice(projectPrefix.length),
    credentialId: text(image, 'id') ?? '',
    registry: text(image, 'registry') ?? '',
    server: text(image, 'server') ?? '',
    username: text(image, 'username'),
    ...(status !== null && { status }),
  };
}

const text = (image: ItemImage, name: string) => (typeof image[name] === 'string' ? (image[name] as string) : null);

// Items written before versions existed count as version 1.
const versionOf = (image: ItemImage) => Number(image['version'] ?? 1);

function fieldChanged(field: ChangeableField, before: ItemImage, after: ItemImage): boolean {
  if (field !== 'password') return before[field] !== after[field];
  return !sameBytes(before['ciphertext'], after['ciphertext']);
}

function sameBytes(a: unknown, b: unknown): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) return a === b;
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
