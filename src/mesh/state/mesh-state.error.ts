/** A `MeshStateService` call refused for its arguments (the message names the part at fault). */
export class MeshStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MeshStateError';
  }
}
