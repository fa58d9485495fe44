import { defineMeshTopic } from 'uc-mesh';
import type { PresenceQueryDto } from './presence-query.dto.js';

export interface Presence {
  user: string;
  status: string;
}

/** Declared once: the asking side and the answering handler cannot disagree on the types. */
export const PresenceQuery = defineMeshTopic<PresenceQueryDto, Presence>('presence.query');
export const PresenceChanged = defineMeshTopic<Presence>('presence.changed');

/** The replicated map where each server keeps its own users' statuses (MeshStateService). */
export const PRESENCE_MAP = 'presence';
