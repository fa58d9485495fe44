declare const topicTypes: unique symbol;

/**
 * A topic declared once with its payload type `P` and its answer type `A` (`void` for events):
 * `send`, `broadcast`, `request`, `requestAll` and the handler decorators take it in place of the
 * topic's name, so sender and handler cannot disagree on either type at compile time. On the wire
 * it is just its name: nothing checks the payload at run time (a pipe on the handler does that).
 */
export interface MeshTopic<P, A = void> {
  readonly name: string;
  /** Types only, never set: keeps `P` and `A` invariant, so topics of other types do not mix. */
  readonly [topicTypes]?: { payload: (payload: P) => P; answer: (answer: A) => A };
}

/**
 * Declares a typed topic, e.g.
 * `const PresenceQuery = defineMeshTopic<{ user: string }, Presence>('presence.query')`.
 * @throws TypeError for an empty name.
 */
export function defineMeshTopic<P, A = void>(name: string): MeshTopic<P, A> {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError('a mesh topic must be a non-empty string');
  }
  return Object.freeze({ name });
}

/** The name to put on the wire. */
export function topicName(topic: string | { readonly name: string }): string {
  return typeof topic === 'string' ? topic : topic.name;
}
