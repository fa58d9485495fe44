/** The fields of a call as the contract shows them (CONTRACT §4). */
export interface CallData {
  callLinkageId: string;
  /** The node that recorded the call first. */
  originNodeId: string;
  fields: Record<string, string>;
  /** When the newest of its fields was written, on the node that wrote it. */
  updatedAt: string;
}

/** A field of a `set` that a newer write of another change won: the call shows that one's value. */
export interface SupersededField {
  key: string;
  /** The node whose change holds the field now. */
  byNodeId: string;
  /** When that change was stamped, on its node. */
  updatedAt: string;
}

/** What `CallDataService.set` answers: the merged CallData, and the fields of the set that lost. */
export interface CallDataSetResult extends CallData {
  /** Present only when a field of the set lost to a newer write (its value is not in `fields`). */
  superseded?: SupersededField[];
}

/** Changes for `CallDataService.set`: a string sets a field, `null` removes it. */
export type CallDataFieldChanges = Record<string, string | null>;

/** Payload of the `calldata.updated` event. */
export interface CallDataUpdated {
  callData: CallData;
  /** `local`: `set` on this node; `remote`: replicated from another node. */
  source: 'local' | 'remote';
  /** The fields whose value changed (a removed field included). */
  changedKeys: string[];
}

/**
 * One `set` as it travels through the mesh and sits in the replication log: the `seq`-th change
 * made on `origin`, stamped `hlc` by the origin's hybrid logical clock.
 */
export interface CallDataChange {
  origin: string;
  seq: number;
  callLinkageId: string;
  hlc: bigint;
  fields: CallDataFieldChanges;
}
