import { SetMetadata } from '@nestjs/common';

export const MESH_MESSAGE_HANDLER = 'ucmesh:message-handler';

/** What a handler receives besides the payload. */
export interface MeshMessageContext {
  fromNodeId: string;
}

/**
 * Marks a provider method as the handler of mesh messages and requests on `topic`. It is called
 * with `(payload, { fromNodeId })`; its (awaited) return value answers a `request`.
 */
export const OnMeshMessage = (topic: string): MethodDecorator => SetMetadata(MESH_MESSAGE_HANDLER, topic);
